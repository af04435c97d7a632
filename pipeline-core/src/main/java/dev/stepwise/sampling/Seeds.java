package dev.stepwise.sampling;

import java.util.Comparator;
import java.util.Random;
import java.util.function.Function;

/**
 * Per-request randomness from (run seed, round, item id, ...): the same parts always give the same
 * stream, whatever the partitioning or thread, and different parts give independent ones.
 */
public final class Seeds {
  private Seeds() {}

  /** 2^64 / phi, SplitMix64's increment between consecutive counters. */
  public static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  /** A 64-bit seed mixing all parts with SplitMix64's finalizer. */
  public static long mix(long runSeed, long... parts) {
    long h = splitMix(runSeed);
    for (long p : parts) h = splitMix(h ^ splitMix(p + GOLDEN_GAMMA));
    return h;
  }

  /**
   * A seeded order of items by their ids (ties, ids equal in hash, by id): the same items always
   * sample the same way, whatever order Spark returned them in.
   */
  public static <T> Comparator<T> order(long runSeed, Function<T, String> id) {
    return Comparator.comparingLong((T item) -> mix(runSeed, id.apply(item).hashCode()))
        .thenComparing(id);
  }

  public static Random random(long runSeed, long... parts) {
    return new Random(mix(runSeed, parts));
  }

  /**
   * SplitMix64's finalizer: a bijection of 64-bit values whose outputs for consecutive inputs look
   * independent (a counter-based generator: element i of a stream keyed k is splitMix(k + i *
   * phi)).
   */
  public static long splitMix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
