package dev.stepwise.train;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Torch's intra-op thread count, changeable at run time. Inference wants 1 thread per task slot,
 * while a training job that owns the machine's cores runs faster with all of them
 * (DESIGN.md: 1.7 → 2.9 tiny SFT steps/s with 2 threads on 2 cores).
 */
public final class TorchThreads {
  private TorchThreads() {}

  public static int get() {
    Engine.getInstance();
    return JniUtils.getNumThreads();
  }

  /** Sets the thread count and returns the previous one, so callers can put it back. */
  public static int set(int threads) {
    if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    int previous = get();
    JniUtils.setNumThreads(threads);
    return previous;
  }
}
