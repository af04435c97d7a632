package dev.stepwise.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DataOrderTest {
  static final int SIZE = 640, BATCH = 32;

  static int[] mixedLengths() {
    Random rng = new Random(3);
    // Like IFT (~110 tokens) mixed with EFT (~240 tokens).
    return rng.ints(SIZE, 0, 2)
        .map(kind -> kind == 0 ? 90 + rng.nextInt(40) : 200 + rng.nextInt(60))
        .toArray();
  }

  /** Padded slots over one epoch: each batch costs batch * its longest row. */
  static long padding(DataOrder order, int[] lengths) {
    long padded = 0;
    for (int b = 0; b < SIZE / BATCH; b++) {
      int[] rows = order.microBatch(b, BATCH);
      int max = Arrays.stream(rows).map(r -> lengths[r]).max().orElseThrow();
      for (int r : rows) padded += max - lengths[r];
    }
    return padded;
  }

  @Test
  void lengthGroupingKeepsAPermutationAndCutsPadding() {
    int[] lengths = mixedLengths();
    DataOrder grouped = new DataOrder(lengths, 7, BATCH, 8);
    int[] seen = new int[SIZE];
    for (int b = 0; b < SIZE / BATCH; b++) for (int r : grouped.microBatch(b, BATCH)) seen[r]++;
    assertThat(seen).containsOnly(1);

    long plain = padding(new DataOrder(SIZE, 7), lengths);
    long less = padding(grouped, lengths);
    assertThat(less).isLessThan(plain / 4);
  }

  @Test
  void groupedOrderDependsOnlyOnSeedAndBatchIndex() {
    int[] lengths = mixedLengths();
    DataOrder a = new DataOrder(lengths, 7, BATCH, 8), b = new DataOrder(lengths, 7, BATCH, 8);
    assertThat(a.microBatch(33, BATCH))
        .isEqualTo(b.microBatch(33, BATCH)); // second epoch, read first here
    assertThat(a.microBatch(3, BATCH)).isEqualTo(b.microBatch(3, BATCH));
    assertThat(new DataOrder(lengths, 8, BATCH, 8).microBatch(3, BATCH))
        .isNotEqualTo(a.microBatch(3, BATCH));
  }
}
