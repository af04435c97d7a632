package dev.stepwise.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A frozen model runs q/k/v and gate/up as one matrix product each; the named weights are views of
 * those matrices, and a model with a projection hook runs them one by one.
 */
class FusedProjectionsTest {

  private static final long[] IDS = {1, 5, 9, 33, 17, 2};

  @Test
  void fusedProductsGiveTheLogitsOfTheNamedWeights() throws Exception {
    for (String fixture : Fixtures.MODELS) {
      try (NDManager root = NDManager.newBaseManager();
          LlamaModel model = Checkpoint.load(Fixtures.dir(fixture), root)) {
        float[] fused = logits(model);
        List<String> seen = new ArrayList<>();
        model.setProjectionHook(
            (layer, module, input, output) -> {
              seen.add(layer + "." + module);
              return output;
            });
        float[] named = logits(model);
        assertThat(seen).as("the hook sees every projection").hasSize(7 * model.numLayers());
        assertThat(maxDifference(fused, named)).as(fixture).isLessThan(1e-5f);
      }
    }
  }

  @Test
  void writingANamedWeightChangesTheFusedProducts() throws Exception {
    try (NDManager root = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(Fixtures.dir("qwen2-tiny"), root)) {
      float[] before = logits(model);
      for (String name :
          List.of("model.layers.0.self_attn.k_proj.weight", "model.layers.1.mlp.up_proj.weight")) {
        NDArray weight = model.parameters().get(name);
        float[] doubled = weight.toFloatArray();
        for (int i = 0; i < doubled.length; i++) doubled[i] *= 2;
        try (NDArray values = root.create(doubled, weight.getShape())) {
          LlamaModel.copyInto(weight, values);
        }
        assertThat(weight.toFloatArray()).containsExactly(doubled);
      }
      float[] fused = logits(model);
      model.setProjectionHook((layer, module, input, output) -> output);
      float[] named = logits(model);
      assertThat(maxDifference(before, fused)).isGreaterThan(1e-3f);
      assertThat(maxDifference(fused, named)).isLessThan(1e-5f);
    }
  }

  private static float[] logits(LlamaModel model) {
    try (NDManager scope = model.manager().newSubManager()) {
      return model.forward(scope.create(IDS, new Shape(1, IDS.length)), new int[1]).toFloatArray();
    }
  }

  private static float maxDifference(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    float max = 0;
    for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
    return max;
  }
}
