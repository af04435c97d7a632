package dev.stepwise.train;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;

/**
 * The order in which training examples are visited: one seeded permutation per epoch, read as an
 * endless stream. Micro-batch k depends only on (seed, k), so a resumed run sees exactly the
 * batches an uninterrupted one would have. With lengths, each window of the permutation is sorted
 * by length and cut into batches whose order is shuffled again: batches then hold sequences of
 * similar length, so less of each forward pass is padding.
 */
final class DataOrder {

  private final int size;
  private final long seed;
  private final int[] lengths;
  private final int batchSize;
  private final int window;
  private int cachedEpoch = -1;
  private int[] cachedPermutation;

  DataOrder(int size, long seed) {
    this(size, seed, null, 1, 0);
  }

  /**
   * Length-grouped order: windows of {@code windowBatches} batches, each sorted by {@code lengths}.
   */
  DataOrder(int[] lengths, long seed, int batchSize, int windowBatches) {
    this(lengths.length, seed, lengths, batchSize, batchSize * windowBatches);
  }

  private DataOrder(int size, long seed, int[] lengths, int batchSize, int window) {
    if (size == 0) {
      throw new IllegalArgumentException("no training examples");
    }
    this.size = size;
    this.seed = seed;
    this.lengths = lengths;
    this.batchSize = batchSize;
    this.window = window;
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
      int[] p = identity(size);
      shuffle(p, size, random);
      if (lengths != null) {
        for (int from = 0; from < size; from += window) {
          groupWindow(p, from, Math.min(size, from + window), random);
        }
      }
      cachedEpoch = epoch;
      cachedPermutation = p;
    }
    return cachedPermutation;
  }

  /** Sorts p[from, to) by length, then shuffles its whole batches among themselves. */
  private void groupWindow(int[] p, int from, int to, SplittableRandom random) {
    Integer[] rows = new Integer[to - from];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = p[from + i];
    }
    Arrays.sort(rows, Comparator.comparingInt(r -> lengths[r]));
    int batches = (rows.length + batchSize - 1) / batchSize;
    int[] batchOrder = identity(batches);
    // The last, possibly short, batch stays last so every other batch keeps its full size.
    shuffle(batchOrder, batches - 1, random);
    int at = from;
    for (int b : batchOrder) {
      for (int i = b * batchSize; i < Math.min(rows.length, (b + 1) * batchSize); i++) {
        p[at++] = rows[i];
      }
    }
  }

  private static int[] identity(int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    return a;
  }

  /** Fisher-Yates over a[0, count). */
  private static void shuffle(int[] a, int count, SplittableRandom random) {
    for (int i = count - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
