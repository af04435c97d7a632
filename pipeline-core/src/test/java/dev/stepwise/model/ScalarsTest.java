package dev.stepwise.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * A scalar factor saved by autograd stays valid until backward, even when the garbage collector
 * runs and the freed memory is reused in between (DJL's own x.mul(Number) fails this).
 */
class ScalarsTest {

  /** d/dx sum(op(x, 3)) after a GC and a flood of NaN-filled direct buffers. */
  private static float[] gradientAfterGc(BiFunction<NDArray, Double, NDArray> op) throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray x = manager.create(new float[] {1f, 2f, 4f});
      x.setRequiresGradient(true);
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray y = op.apply(x, 3.0).sum();
        List<ByteBuffer> garbage = FreedBuffers.collectAndReuse(4);
        collector.backward(y);
        assertThat(garbage).isNotEmpty();
      }
      return x.getGradient().toFloatArray();
    }
  }

  @Test
  void theFactorOfAProductIsStillThereAtBackward() throws Exception {
    assertThat(gradientAfterGc(Scalars::mul)).containsExactly(3f, 3f, 3f);
  }

  @Test
  void theDivisorOfAQuotientIsStillThereAtBackward() throws Exception {
    assertThat(gradientAfterGc(Scalars::div)).containsExactly(1 / 3f, 1 / 3f, 1 / 3f);
  }
}
