package dev.stepwise.train;

import java.util.SplittableRandom;

/**
 * The order in which training examples are visited: one seeded permutation per epoch, read as
 * an endless stream. Micro-batch k depends only on (seed, k), so a resumed run sees exactly the
 * batches an uninterrupted one would have.
 */
final class DataOrder {

  private final int size;
  private final long seed;
  private int cachedEpoch = -1;
  private int[] cachedPermutation;

  DataOrder(int size, long seed) {
    if (size == 0) {
      throw new IllegalArgumentException("no training examples");
    }
    this.size = size;
    this.seed = seed;
  }

  int[] microBatch(long index, int batchSize) {
    int[] rows = new int[batchSize];
    for (int i = 0; i < batchSize; i++) {
      long position = index * batchSize + i;
      rows[i] = permutation((int) (position / size))[(int) (position % size)];
    }
    return rows;
  }

  private int[] permutation(int epoch) {
    if (epoch != cachedEpoch) {
      SplittableRandom random = new SplittableRandom(seed * 1_000_003L + epoch);
      int[] p = new int[size];
      for (int i = 0; i < size; i++) {
        p[i] = i;
      }
      for (int i = size - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = p[i];
        p[i] = p[j];
        p[j] = t;
      }
      cachedEpoch = epoch;
      cachedPermutation = p;
    }
    return cachedPermutation;
  }
}
