package dev.stepwise.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Token rows of different lengths, right-aligned into one [batch, length] block: row b starts with
 * {@code padding[b]} pad tokens (id 0, never attended to), so every row's last token is in the last
 * column.
 */
public record LeftPaddedBatch(long[] ids, int[] padding, int length) {

  public static LeftPaddedBatch of(List<int[]> rows) {
    if (rows.isEmpty()) throw new IllegalArgumentException("a batch needs at least one row");
    int length = rows.stream().mapToInt(r -> r.length).max().orElseThrow();
    long[] ids = new long[rows.size() * length];
    int[] padding = new int[rows.size()];
    for (int b = 0; b < rows.size(); b++) {
      int[] row = rows.get(b);
      if (row.length == 0)
        throw new IllegalArgumentException("row " + b + " of the batch has no tokens");
      padding[b] = length - row.length;
      for (int t = 0; t < row.length; t++) ids[b * length + padding[b] + t] = row[t];
    }
    return new LeftPaddedBatch(ids, padding, length);
  }

  public int batchSize() {
    return padding.length;
  }

  /** Columns {@code from}.. of the ids, row by row. */
  public long[] columnsFrom(int from) {
    int width = length - from, rows = padding.length;
    long[] out = new long[rows * width];
    for (int b = 0; b < rows; b++) System.arraycopy(ids, b * length + from, out, b * width, width);
    return out;
  }

  /** The ids as an INT64 array [batch, length] owned by {@code scope}. */
  public NDArray toNDArray(NDManager scope) {
    return scope.create(ids, new Shape(padding.length, length));
  }
}
