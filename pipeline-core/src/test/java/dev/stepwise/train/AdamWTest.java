package dev.stepwise.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.stepwise.model.FreedBuffers;
import dev.stepwise.model.Scalars;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdamWTest {

  /** Gradient of 0.5 * sum(w^2) is w itself. */
  private static void backwardOfHalfSquaredNorm(NDArray w) {
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      collector.backward(Scalars.mul(w.square().sum(), 0.5));
    }
  }

  /**
   * Moments restored from a checkpoint stay valid once the caller closed the decoded arrays and the
   * garbage collector freed their buffers (memory that new buffers then reuse). DJL's toType(same
   * type, copy = true) returns a view, so the moments used to alias the decoded arrays' Java
   * buffers: a resumed run read freed memory (NaN weights in TrainerTest at random).
   */
  @Test
  void restoredMomentsOutliveTheDecodedArrays() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray w = manager.create(new float[] {1f, -2f, 4f});
      ByteArrayOutputStream saved = new ByteArrayOutputStream();
      NDArray m = manager.create(new float[] {0.5f, 0.25f, 0.125f});
      NDArray v = manager.create(new float[] {2f, 3f, 5f});
      m.setName("exp_avg.w");
      v.setName("exp_avg_sq.w");
      new NDList(m, v).encode(saved, NDList.Encoding.SAFETENSORS);

      AdamW adam = new AdamW(AdamW.Settings.defaults());
      try (NDManager loading = manager.newSubManager()) {
        Map<String, NDArray> decoded = new LinkedHashMap<>();
        for (NDArray a : NDList.decode(loading, new ByteArrayInputStream(saved.toByteArray())))
          decoded.put(a.getName(), a);
        adam.restore(7, decoded, Map.of("w", w));
      }
      List<ByteBuffer> garbage = FreedBuffers.collectAndReuse(12);
      assertThat(garbage).isNotEmpty();
      NDList state = adam.state();
      assertThat(state.get(0).toFloatArray()).containsExactly(0.5f, 0.25f, 0.125f);
      assertThat(state.get(1).toFloatArray()).containsExactly(2f, 3f, 5f);
      assertThat(adam.step()).isEqualTo(7);
    }
  }

  @Test
  void firstStepMovesEachWeightByTheLearningRateAgainstItsGradientSign() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray w = manager.create(new float[] {1f, -2f});
      w.setRequiresGradient(true);
      AdamW adam = new AdamW(AdamW.Settings.defaults());
      backwardOfHalfSquaredNorm(w);
      adam.update(Map.of("w", w), 0.1);
      float[] after = w.toFloatArray();
      assertThat(after[0]).isCloseTo(0.9f, within(1e-6f));
      assertThat(after[1]).isCloseTo(-1.9f, within(1e-6f));
      assertThat(adam.step()).isEqualTo(1);
    }
  }

  @Test
  void f16WeightsKeepF32MomentsAndAFiniteGradientNorm() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray w = manager.create(new float[] {1f, -2f, 300f}).toType(DataType.FLOAT16, false);
      w.setRequiresGradient(true);
      backwardOfHalfSquaredNorm(w);
      // 300^2 overflows F16 (max 65504): the norm is summed in F32.
      assertThat(Gradients.clipByGlobalNorm(List.of(w), 0))
          .isCloseTo(Math.sqrt(1 + 4 + 90_000), within(1e-3));
      AdamW adam = new AdamW(AdamW.Settings.defaults());
      adam.update(Map.of("w", w), 0.1);
      assertThat(w.getDataType()).isEqualTo(DataType.FLOAT16);
      assertThat(adam.state())
          .allSatisfy(m -> assertThat(m.getDataType()).isEqualTo(DataType.FLOAT32));
      float[] after = w.toType(DataType.FLOAT32, false).toFloatArray();
      assertThat(after[0]).isCloseTo(0.9f, within(1e-3f));
      assertThat(after[1]).isCloseTo(-1.9f, within(1e-3f));
      assertThat(after[2])
          .isEqualTo(300f); // 299.9 rounds back to 300 on F16's grid (0.25 apart there)
    }
  }

  @Test
  void gradientsAccumulateUntilZeroedAndTheQuadraticConverges() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray w = manager.create(new float[] {3f, -4f});
      w.setRequiresGradient(true);
      backwardOfHalfSquaredNorm(w);
      backwardOfHalfSquaredNorm(w);
      try (NDArray twice = w.getGradient()) {
        assertThat(twice.toFloatArray()).containsExactly(6f, -8f);
      }
      AdamW adam = new AdamW(AdamW.Settings.defaults());
      for (int i = 0; i < 300; i++) {
        Gradients.zero(List.of(w));
        backwardOfHalfSquaredNorm(w);
        adam.update(Map.of("w", w), 0.05);
      }
      assertThat(w.abs().max().getFloat()).isLessThan(0.05f);
    }
  }

  @Test
  void decoupledWeightDecayShrinksMatricesButNotVectors() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray matrix = manager.ones(new Shape(2, 2));
      NDArray vector = manager.ones(new Shape(2));
      matrix.setRequiresGradient(true);
      vector.setRequiresGradient(true);
      // Zero gradients: only the decay can move the weights.
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        collector.backward(matrix.sum().add(vector.sum()).mul(0));
      }
      AdamW adam = new AdamW(new AdamW.Settings(0.9, 0.999, 1e-8, 0.1));
      adam.update(Map.of("m", matrix, "v", vector), 0.5);
      assertThat(matrix.toFloatArray()[0]).isCloseTo(0.95f, within(1e-6f));
      assertThat(vector.toFloatArray()[0]).isEqualTo(1f);
    }
  }

  @Test
  void clippingScalesToTheMaximumNormAndReportsTheNormBefore() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray w = manager.create(new float[] {3f, 4f});
      w.setRequiresGradient(true);
      backwardOfHalfSquaredNorm(w);
      double norm = Gradients.clipByGlobalNorm(List.of(w), 1.0);
      assertThat(norm).isCloseTo(5.0, within(1e-6));
      try (NDArray g = w.getGradient()) {
        assertThat(g.norm().getFloat()).isCloseTo(1f, within(1e-5f));
      }
    }
  }
}
