package dev.stepwise.model.lora;

import static dev.stepwise.model.lora.LoraAdapterTest.assertBranchMatchesJava;
import static dev.stepwise.model.lora.LoraAdapterTest.base;
import static dev.stepwise.model.lora.LoraAdapterTest.gaussians;
import static dev.stepwise.model.lora.LoraAdapterTest.randomAdapter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.generate.Generation;
import dev.stepwise.generate.GenerationRequest;
import dev.stepwise.generate.Generator;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.CompletionScorer;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.ProjectionHook;
import dev.stepwise.sampling.FixedSampler;
import dev.stepwise.sampling.Seeds;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * LoRA dropout: the branch's output and gradients against plain Java on a mask computed here from
 * its definition, masks that are a function of (seed, step, micro-batch, layer, module) only, and
 * no dropout outside training.
 */
class LoraDropoutTest {

  static final double P = 0.3;
  static final LoraSettings DROPOUT =
      new LoraSettings(4, 8, P, List.of("q_proj", "v_proj", "o_proj", "down_proj"));

  /**
   * The keep mask of {@code n} elements from its definition: element i is dropped when 16-bit lane
   * i mod 4 of SplitMix64(key + (i div 4) * phi) is below round(p * 65536).
   */
  static boolean[] referenceMask(long key, int n, double p) {
    boolean[] keep = new boolean[n];
    for (int i = 0; i < n; i++) {
      long hash = Seeds.splitMix(key + (long) (i / 4) * 0x9E3779B97F4A7C15L);
      keep[i] = ((hash >>> (16 * (i % 4))) & 0xFFFF) >= Math.round(p * 65536);
    }
    return keep;
  }

  @Test
  void theBranchWithDropoutAndItsGradientsMatchPlainJavaOnTheSameMask() throws Exception {
    try (NDManager root = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(base(), root)) {
      LoraAdapter adapter = randomAdapter(model, DROPOUT, 3);
      boolean[] keep =
          referenceMask(Seeds.mix(41, 7, 1, 1, LoraAdapter.MODULES.indexOf("v_proj")), 6 * 32, P);
      int dropped = 0;
      for (boolean k : keep) if (!k) dropped++;
      assertThat(dropped).as("dropped of %d", keep.length).isBetween(30, 90);
      assertBranchMatchesJava(
          model,
          adapter,
          adapter.training(41, 7, 1),
          x -> { // PEFT's dropout(x): kept inputs scaled by 1/(1-p)
            double[] dropout = new double[x.length];
            for (int i = 0; i < x.length; i++) dropout[i] = keep[i] ? x[i] / (1 - P) : 0;
            return dropout;
          });
    }
  }

  /** Any size, across the parallel chunks' boundaries and in a last partial hash or write. */
  @Test
  void theMaskIsItsDefinitionAtAnySize() {
    try (NDManager manager = NDManager.newBaseManager()) {
      for (int n : new int[] {1, 3, 4, 5, 7, 9, 13, 14, 15, 77, (1 << 18) * 2 + 13}) {
        for (double p : new double[] {0.0, 0.1, 0.5}) {
          long key = Seeds.mix(n, (long) (p * 10));
          assertThat(LoraDropout.keepMask(manager, new Shape(n), p, key).toBooleanArray())
              .as("n = %d, p = %s", n, p)
              .isEqualTo(referenceMask(key, n, p)); // equals: containsExactly is slow at this size
        }
      }
    }
  }

  @Test
  void theKeptFractionIsOneMinusP() {
    try (NDManager manager = NDManager.newBaseManager()) {
      for (double p : new double[] {0.05, 0.1, 0.3, 0.5}) {
        NDArray keep = LoraDropout.keepMask(manager, new Shape(1000, 1001), p, Seeds.mix(5, 1));
        assertThat(keep.getDataType()).isEqualTo(DataType.BOOLEAN);
        double kept = keep.toType(DataType.FLOAT64, false).mean().getDouble();
        // 1e6 draws: the standard deviation of the fraction is at most 5e-4.
        assertThat(kept).as("p = %s", p).isCloseTo(1 - p, within(3e-3));
      }
    }
  }

  @Test
  void theMaskDependsOnSeedStepMicroBatchLayerAndModuleOnly() throws Exception {
    try (NDManager root = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(base(), root)) {
      LoraAdapter adapter = randomAdapter(model, DROPOUT, 4);
      float[] x = gaussians(new Random(2), 2 * 5 * 32, 1);
      float[] first = adapterOutput(model, adapter.training(41, 7, 1), 1, "q_proj", x);
      // The engine's own generator advances in between; another thread and another adapter
      // object with the same weights compute too: none of it changes the mask.
      try (NDManager scope = root.newSubManager()) {
        scope.randomUniform(0, 1, new Shape(1000)).toFloatArray();
      }
      assertThat(adapterOutput(model, adapter.training(41, 7, 1), 1, "q_proj", x))
          .containsExactly(first);
      LoraAdapter same = new LoraAdapter(model.config(), DROPOUT, "base", adapter.parameters());
      assertThat(
              CompletableFuture.supplyAsync(
                      () -> adapterOutput(model, same.training(41, 7, 1), 1, "q_proj", x))
                  .get())
          .containsExactly(first);
      // Any other step, micro-batch or seed draws another mask.
      assertThat(adapterOutput(model, adapter.training(41, 8, 1), 1, "q_proj", x))
          .isNotEqualTo(first);
      assertThat(adapterOutput(model, adapter.training(41, 7, 0), 1, "q_proj", x))
          .isNotEqualTo(first);
      assertThat(adapterOutput(model, adapter.training(42, 7, 1), 1, "q_proj", x))
          .isNotEqualTo(first);
      // And so does any other layer or module (each lora.Linear has its own nn.Dropout).
      List<Long> keys =
          List.of(
              LoraDropout.key(41, 7, 1, 1, 0),
              LoraDropout.key(41, 7, 1, 0, 0),
              LoraDropout.key(41, 7, 1, 1, 2));
      try (NDManager scope = root.newSubManager()) {
        List<boolean[]> masks =
            keys.stream()
                .map(k -> LoraDropout.keepMask(scope, new Shape(320), P, k).toBooleanArray())
                .toList();
        assertThat(masks.get(1)).isNotEqualTo(masks.get(0));
        assertThat(masks.get(2)).isNotEqualTo(masks.get(0));
        assertThat(masks.get(0)).containsExactly(referenceMask(keys.get(0), 320, P));
      }
    }
  }

  private static float[] adapterOutput(
      LlamaModel model, ProjectionHook hook, int layer, String module, float[] x) {
    try (NDManager scope = model.manager().newSubManager()) {
      NDArray input = scope.create(x, new Shape(2, 5, 32));
      return hook.project(layer, module, input, scope.zeros(new Shape(2, 5, 32))).toFloatArray();
    }
  }

  @Test
  void dropoutDoesNothingWhenScoringOrGenerating() throws Exception {
    try (NDManager root = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(base(), root)) {
      LoraAdapter withDropout = randomAdapter(model, DROPOUT, 5);
      LoraAdapter without =
          new LoraAdapter(
              model.config(),
              new LoraSettings(4, 8, 0, DROPOUT.targetModules()),
              "base",
              withDropout.parameters());
      List<int[]> prompts = List.of(new int[] {1, 7, 9}, new int[] {30, 2});
      List<int[]> completions = List.of(new int[] {5, 63, 11}, new int[] {4, 4, 8, 2});
      List<GenerationRequest> requests =
          List.of(
              GenerationRequest.greedy(prompts.get(0), 8, Set.of()),
              new GenerationRequest(
                  prompts.get(1), 8, 17, new FixedSampler(1.0, 0, 1.0), List.of(), Set.of()));

      model.setProjectionHook(withDropout);
      List<CompletionScorer.Scored> scored =
          new CompletionScorer(model).score(prompts, completions);
      List<Generation> generated = generate(model, requests);
      model.setProjectionHook(without);
      List<CompletionScorer.Scored> plainScored =
          new CompletionScorer(model).score(prompts, completions);
      List<Generation> plainGenerated = generate(model, requests);
      for (int b = 0; b < prompts.size(); b++) {
        assertThat(scored.get(b).tokenLogProbs())
            .containsExactly(plainScored.get(b).tokenLogProbs());
        assertThat(generated.get(b).tokens()).containsExactly(plainGenerated.get(b).tokens());
        assertThat(generated.get(b).logProbs()).containsExactly(plainGenerated.get(b).logProbs());
      }
      // The same pass through the training hook does drop: the comparison compares something.
      try (NDManager scope = root.newSubManager()) {
        NDArray ids = scope.create(new long[] {1, 7, 9, 5, 63, 11}, new Shape(1, 6));
        float[] plain = model.hidden(ids, new int[] {0}, without).toFloatArray();
        assertThat(model.hidden(ids, new int[] {0}, withDropout).toFloatArray())
            .containsExactly(plain);
        assertThat(model.hidden(ids, new int[] {0}, withDropout.training(1, 0, 0)).toFloatArray())
            .isNotEqualTo(plain);
      }
    }
  }

  private static List<Generation> generate(LlamaModel model, List<GenerationRequest> requests) {
    return new Generator(model, ids -> "").generate(requests);
  }
}
