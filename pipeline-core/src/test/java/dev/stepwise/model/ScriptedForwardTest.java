package dev.stepwise.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.io.TensorDType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The forward pass as one TorchScript call gives the hidden states of the layer-by-layer engine
 * calls (exactly in F32; in F16 within its rounding): with and without attention biases, without a
 * cache, and for a left-padded prefill into a KV cache followed by decoding steps.
 */
class ScriptedForwardTest {

  /**
   * F16 products on the CPU round differently as their operands' memory layout differs (libtorch's
   * reduced-precision GEMM takes another loop order), which a few of the script's views do;
   * measured on the fixtures: at most 6.0e-3, a few F16 ulps at these hidden states' magnitude.
   */
  private static final float F16_TOLERANCE = 1e-2f;

  /** Two rows; the second is left-padded by two positions. */
  private static final long[] PROMPTS = {1, 5, 9, 33, 17, 2, 0, 0, 4, 8, 15, 16};

  private static final int[] PADDING = {0, 2};

  @Test
  void oneCallGivesTheHiddenStatesOfTheEngineCalls() throws Exception {
    for (String fixture : Fixtures.MODELS) {
      for (TensorDType dtype : List.of(TensorDType.F32, TensorDType.F16)) {
        try (NDManager root = NDManager.newBaseManager();
            LlamaModel model = Checkpoint.load(Fixtures.dir(fixture), root, dtype)) {
          long before = model.scriptedCalls();
          List<float[]> scripted = run(model, true);
          assertThat(model.scriptedCalls() - before).as("one call per forward pass").isEqualTo(5);
          List<float[]> engineCalls = run(model, false);
          assertThat(model.scriptedCalls() - before).isEqualTo(5);
          for (int i = 0; i < scripted.size(); i++) {
            String pass = fixture + " " + dtype + " pass " + i;
            if (dtype == TensorDType.F32)
              assertThat(scripted.get(i)).as(pass).containsExactly(engineCalls.get(i));
            else
              assertThat(scripted.get(i))
                  .as(pass)
                  .containsExactly(engineCalls.get(i), within(F16_TOLERANCE));
          }
        }
      }
    }
  }

  /** A forward without cache, then a prefill and three decoding steps: each one's hidden states. */
  private static List<float[]> run(LlamaModel model, boolean scripted) {
    model.setScripted(scripted);
    List<float[]> out = new ArrayList<>();
    try (NDManager scope = model.manager().newSubManager();
        KvCache cache = new KvCache(scope, model.config(), 2, 9)) {
      Shape prompts = new Shape(2, PROMPTS.length / 2);
      out.add(model.hidden(scope.create(PROMPTS, prompts), PADDING, null, null).toFloatArray());
      out.add(model.hidden(scope.create(PROMPTS, prompts), PADDING, cache, null).toFloatArray());
      for (long token : new long[] {7, 11, 3}) {
        long[] next = {token, token + 1};
        out.add(
            model.hidden(scope.create(next, new Shape(2, 1)), PADDING, cache, null).toFloatArray());
      }
    } finally {
      model.setScripted(true);
    }
    return out;
  }
}
