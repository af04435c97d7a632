package dev.stepwise.sampling;

import java.util.Random;

/**
 * Per-request randomness from (run seed, round, item id, ...): the same parts always give the same
 * stream, whatever the partitioning or thread, and different parts give independent ones.
 */
public final class Seeds {
  private Seeds() {}

  /** A 64-bit seed mixing all parts with SplitMix64's finalizer. */
  public static long mix(long runSeed, long... parts) {
    long h = splitMix(runSeed);
    for (long p : parts) h = splitMix(h ^ splitMix(p + 0x9E3779B97F4A7C15L));
    return h;
  }

  public static Random random(long runSeed, long... parts) {
    return new Random(mix(runSeed, parts));
  }

  private static long splitMix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
