package dev.stepwise.train;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Torch's intra-op thread count, changeable at run time. Inference wants 1 thread per task slot,
 * while a job that owns the machine's cores runs faster with all of them (docs/design.md: 1.7 → 2.9
 * tiny SFT steps/s with 2 threads on 2 cores). The default is the cores the JVM may use (or a Spark
 * task's {@code spark.task.cpus}); a count given at JVM start wins.
 */
public final class TorchThreads {
  private TorchThreads() {}

  /**
   * DJL's system property for the count; set at JVM start (STEPWISE_THREADS, tests: 1) it is never
   * overridden.
   */
  public static final String PROPERTY = "ai.djl.pytorch.num_threads";

  private static final boolean GIVEN_AT_START = System.getProperty(PROPERTY) != null;

  /** The cores this JVM may use (its CPU affinity and container limits included). */
  public static int available() {
    return Runtime.getRuntime().availableProcessors();
  }

  /**
   * Uses {@code threads} unless the JVM was started with a count: before the engine starts this
   * only sets DJL's property (so commands that never touch a model do not load it).
   */
  public static void byDefault(int threads, boolean engineStarted) {
    if (GIVEN_AT_START) return;
    System.setProperty(PROPERTY, Integer.toString(threads));
    if (engineStarted) set(threads);
  }

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
