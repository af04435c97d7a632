package dev.stepwise.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The decoder as the DPO trainer and the language-neuron analysis use it. */
class TrainingHooksTest {

  private static final List<int[]> PROMPTS = List.of(new int[] {1, 5, 9}, new int[] {1});
  private static final List<int[]> COMPLETIONS =
      List.of(new int[] {2, 33, 17}, new int[] {40, 41, 42, 3});

  @Test
  void summedCompletionLogProbsAreDifferentiableAndMatchAFiniteDifference() throws Exception {
    try (NDManager root = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(Fixtures.dir("qwen2-tiny"), root)) {
      CompletionScorer scorer = new CompletionScorer(model);
      model.setTrainable(true);
      NDArray bias = model.parameters().get("model.layers.1.self_attn.v_proj.bias");
      float gradient;
      try (NDManager scope = model.manager().newSubManager();
          GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray sums = scorer.sumLogProbs(scope, PROMPTS, COMPLETIONS);
        collector.backward(sums.sum());
        gradient = bias.getGradient().getFloat(0);
        for (Map.Entry<String, NDArray> p : model.parameters().entrySet()) {
          assertThat(p.getValue().getGradient().abs().sum().getFloat()).as(p.getKey()).isPositive();
        }
      }
      model.setTrainable(false);
      double eps = 1e-2;
      double before = total(scorer);
      bias.set(new NDIndex("0"), bias.getFloat(0) + (float) eps);
      double after = total(scorer);
      assertThat((after - before) / eps)
          .isCloseTo(gradient, within(0.02 * Math.abs(gradient) + 1e-3));
    }
  }

  private static double total(CompletionScorer scorer) {
    return scorer.score(PROMPTS, COMPLETIONS).stream()
        .mapToDouble(CompletionScorer.Scored::sum)
        .sum();
  }

  @Test
  void mlpHookSeesGatePreActivationsAndZeroedNeuronsChangeTheOutput() throws Exception {
    try (NDManager root = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(Fixtures.dir("qwen2-tiny"), root)) {
      List<long[]> shapes = new ArrayList<>();
      MlpHook observer =
          new MlpHook() {
            @Override
            public void observeGate(int layer, NDArray gate) {
              shapes.add(gate.getShape().getShape());
            }
          };
      float[] plain, observed, zeroed, zeroedByWeights;
      try (NDManager scope = model.manager().newSubManager()) {
        NDArray ids = LeftPaddedBatch.of(PROMPTS).toNDArray(scope);
        int[] padding = LeftPaddedBatch.of(PROMPTS).padding();
        plain = model.logits(model.hidden(ids, padding, null, null)).toFloatArray();
        observed = model.logits(model.hidden(ids, padding, null, observer)).toFloatArray();
        MlpHook zeroNeurons =
            new MlpHook() {
              @Override
              public int[] zeroedNeurons(int layer) {
                return layer == 1 ? new int[] {0, 7, 47} : null;
              }
            };
        zeroed = model.logits(model.hidden(ids, padding, null, zeroNeurons)).toFloatArray();
        // Same effect as zeroing those neurons' gate rows: SiLU(0) = 0.
        NDArray gate = model.parameters().get("model.layers.1.mlp.gate_proj.weight");
        for (int j : new int[] {0, 7, 47}) gate.set(new NDIndex("{}", j), 0f);
        zeroedByWeights = model.logits(model.hidden(ids, padding, null, null)).toFloatArray();
      }
      assertThat(shapes).hasSize(2).allSatisfy(s -> assertThat(s).containsExactly(2, 3, 48));
      assertThat(observed).containsExactly(plain);
      assertThat(zeroed).isNotEqualTo(plain);
      for (int i = 0; i < zeroed.length; i++)
        assertThat(zeroed[i]).isCloseTo(zeroedByWeights[i], within(1e-5f));
    }
  }
}
