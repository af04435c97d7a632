package dev.stepwise.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Completion log-probs computed over blocks of positions equal, in value and in gradient, the
 * whole-batch computation they replaced (all logits, one log-softmax, one gather).
 */
class CompletionScorerTest {

  private static final List<int[]> PROMPTS =
      List.of(new int[] {1, 5, 9}, new int[] {1}, new int[] {1, 7});
  private static final List<int[]> COMPLETIONS =
      List.of(new int[] {2, 33, 17}, new int[] {40, 41, 42, 3, 8, 9, 10}, new int[] {12});
  private static final double TOLERANCE = 1e-5;

  /** The whole-batch computation as it was: logits [batch, positions, vocab] at once. */
  private static NDArray wholeBatch(LlamaModel model, NDManager scope) {
    List<int[]> rows = new ArrayList<>();
    int maxCompletion = 0;
    for (int b = 0; b < PROMPTS.size(); b++) {
      int[] row = new int[PROMPTS.get(b).length + COMPLETIONS.get(b).length];
      System.arraycopy(PROMPTS.get(b), 0, row, 0, PROMPTS.get(b).length);
      System.arraycopy(
          COMPLETIONS.get(b), 0, row, PROMPTS.get(b).length, COMPLETIONS.get(b).length);
      rows.add(row);
      maxCompletion = Math.max(maxCompletion, COMPLETIONS.get(b).length);
    }
    LeftPaddedBatch batch = LeftPaddedBatch.of(rows);
    int length = batch.length();
    NDArray ids = batch.toNDArray(scope);
    NDArray hidden = model.hidden(ids, batch.padding(), null, null);
    NDArray logProbs =
        model
            .logits(hidden.get(new NDIndex(":, {}:{}, :", length - maxCompletion - 1, length - 1)))
            .logSoftmax(-1);
    NDArray picked =
        logProbs
            .gather(ids.get(new NDIndex(":, {}:", length - maxCompletion)).expandDims(-1), -1)
            .squeeze(-1);
    float[] mask = new float[PROMPTS.size() * maxCompletion];
    for (int b = 0; b < PROMPTS.size(); b++) {
      for (int j = maxCompletion - COMPLETIONS.get(b).length; j < maxCompletion; j++)
        mask[b * maxCompletion + j] = 1f;
    }
    return picked.mul(scope.create(mask, new Shape(PROMPTS.size(), maxCompletion)));
  }

  /** Values and every parameter's gradient of sum(w * log-probs), w fixed per position. */
  private static Map<String, float[]> valuesAndGradients(
      LlamaModel model, Function<NDManager, NDArray> logProbs) {
    Map<String, float[]> out = new LinkedHashMap<>();
    try (NDManager scope = model.manager().newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray values = logProbs.apply(scope);
      NDArray weights =
          scope
              .arange((float) values.getShape().size())
              .reshape(values.getShape())
              .add(1f)
              .div(10f);
      collector.backward(values.mul(weights).sum());
      out.put("values", values.stopGradient().toFloatArray());
      for (Map.Entry<String, NDArray> p : model.parameters().entrySet()) {
        try (NDArray gradient = p.getValue().getGradient()) {
          out.put(p.getKey(), gradient.toFloatArray());
          gradient.muli(0);
        }
      }
    }
    return out;
  }

  @Test
  void blockwiseLogProbsAndGradientsEqualTheWholeBatchOnes() throws Exception {
    try (NDManager root = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(Fixtures.dir("qwen2-tiny"), root)) {
      model.setTrainable(true);
      int vocab = model.config().vocabSize();
      // Two positions per block: the 7 completion columns take four blocks, the last one short.
      CompletionScorer blockwise = new CompletionScorer(model, 2 * PROMPTS.size() * vocab);
      Map<String, float[]> expected = valuesAndGradients(model, scope -> wholeBatch(model, scope));
      Map<String, float[]> got =
          valuesAndGradients(model, scope -> blockwise.tokenLogProbs(scope, PROMPTS, COMPLETIONS));
      assertThat(got.keySet()).isEqualTo(expected.keySet());
      for (String name : expected.keySet()) {
        float[] e = expected.get(name), g = got.get(name);
        assertThat(g).as(name).hasSize(e.length);
        double scale = 0;
        for (float v : e) scale = Math.max(scale, Math.abs(v));
        assertThat(scale).as(name + " is not all zero").isPositive();
        for (int i = 0; i < e.length; i++)
          assertThat((double) g[i]).as("%s[%d]", name, i).isCloseTo(e[i], within(TOLERANCE));
      }
      model.setTrainable(false);
      // The default block (whole batch here) gives the same numbers as scoring always did.
      List<CompletionScorer.Scored> scored =
          new CompletionScorer(model).score(PROMPTS, COMPLETIONS);
      float[] values = expected.get("values");
      int width = values.length / PROMPTS.size();
      for (int b = 0; b < PROMPTS.size(); b++) {
        float[] tokens = scored.get(b).tokenLogProbs();
        for (int j = 0; j < tokens.length; j++) {
          assertThat((double) tokens[j])
              .isCloseTo(values[b * width + width - tokens.length + j], within(TOLERANCE));
        }
      }
    }
  }
}
