package dev.stepwise.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * Keys and values of every layer for a batch being decoded, preallocated to {@code capacity}
 * positions so each step writes one slice in place instead of copying the whole cache. Rows are
 * left-padded: row b's first {@code padding[b]} positions are padding that no query attends to. The
 * arrays are allocated on the first append, in the dtype of the keys (the model's compute dtype).
 * Inference only: the in-place writes are not differentiable.
 */
public final class KvCache implements AutoCloseable {

  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;
  private int capacity;
  private final int kvHeads;
  private final int headDim;
  private int[] padding;
  private int length;

  public KvCache(NDManager parent, LlamaConfig config, int batch, int capacity) {
    this.manager = parent.newSubManager();
    this.capacity = capacity;
    this.keys = new NDArray[config.numHiddenLayers()];
    this.values = new NDArray[config.numHiddenLayers()];
    this.kvHeads = config.numKeyValueHeads();
    this.headDim = config.headDim();
    this.padding = new int[batch];
  }

  /** Positions filled so far (padding included), the same for every row. */
  public int length() {
    return length;
  }

  public int batchSize() {
    return padding.length;
  }

  /** Bytes its key and value arrays hold (0 before the first append). */
  public long bytes() {
    long n = 0;
    for (int i = 0; i < keys.length && keys[i] != null; i++)
      n += 2 * keys[i].getShape().size() * keys[i].getDataType().getNumOfBytes();
    return n;
  }

  /** Left padding of each row still in the cache. */
  public int[] padding() {
    return padding.clone();
  }

  /** Sets the left padding of each row; called once, before the first (prefill) forward. */
  void setPadding(int[] rowPadding) {
    if (length != 0)
      throw new IllegalStateException("padding is fixed once the cache holds positions");
    if (rowPadding.length != padding.length) {
      throw new IllegalArgumentException(
          "padding has " + rowPadding.length + " rows, the cache " + padding.length);
    }
    padding = rowPadding.clone();
  }

  /**
   * Writes this step's keys/values [batch, kvHeads, time, headDim] of {@code layer} after the
   * cached ones and returns all of them, as views owned by {@code scope}.
   */
  NDArray[] append(int layer, NDArray k, NDArray v, NDManager scope) {
    int end = endAfter((int) k.getShape().get(2));
    allocate(layer, k.getDataType());
    NDIndex slot = new NDIndex(":, :, {}:{}", length, end);
    keys[layer].set(slot, k);
    values[layer].set(slot, v);
    NDIndex filled = new NDIndex(":, :, :{}", end);
    NDArray allK = keys[layer].get(filled);
    NDArray allV = values[layer].get(filled);
    allK.attach(scope);
    allV.attach(scope);
    return new NDArray[] {allK, allV};
  }

  /**
   * Every layer's key and value arrays [batch, kvHeads, capacity, headDim] (allocated in {@code
   * dtype} on first use), for a forward pass that writes {@code time} positions after {@link
   * #length} into them itself.
   */
  NDArray[][] arraysFor(int time, DataType dtype) {
    endAfter(time);
    for (int i = 0; i < keys.length; i++) allocate(i, dtype);
    return new NDArray[][] {keys.clone(), values.clone()};
  }

  /** Where {@code time} more positions end; refused beyond the capacity. */
  private int endAfter(int time) {
    int end = Math.addExact(length, time);
    if (end > capacity)
      throw new IllegalStateException(
          "KV cache full: " + end + " positions > capacity " + capacity);
    return end;
  }

  private void allocate(int layer, DataType dtype) {
    if (keys[layer] != null) return;
    Shape shape = new Shape(padding.length, kvHeads, capacity, headDim);
    keys[layer] = manager.zeros(shape, dtype);
    values[layer] = manager.zeros(shape, dtype);
    NDScope.unregister(keys[layer], values[layer]); // they outlive the forward's per-layer scope
  }

  /** Marks {@code time} more positions as filled, after every layer has appended them. */
  void advance(int time) {
    length += time;
  }

  /**
   * A cache for a left-padded batch whose first {@code filled} columns are copied from cached
   * prefixes instead of being computed: row b is {@code padding[b]} pad positions, then the first
   * {@code filled - padding[b]} positions of {@code prefixes[b]} (a one-row cache of at least that
   * length; null when the row has none in those columns). The keys of a token depend only on it and
   * the tokens before it, so the copies equal what a prefill of the rows would write.
   */
  public static KvCache fork(
      NDManager parent,
      LlamaConfig config,
      int[] padding,
      int filled,
      KvCache[] prefixes,
      int capacity) {
    KvCache cache = new KvCache(parent, config, padding.length, capacity);
    cache.padding = padding.clone();
    cache.length = filled;
    KvCache any = Arrays.stream(prefixes).filter(p -> p != null).findFirst().orElseThrow();
    Shape shape = new Shape(padding.length, cache.kvHeads, capacity, cache.headDim);
    for (int i = 0; i < cache.keys.length; i++) {
      cache.keys[i] = cache.manager.zeros(shape, any.keys[i].getDataType());
      cache.values[i] = cache.manager.zeros(shape, any.values[i].getDataType());
      // Consecutive rows with the same prefix and padding (n samples of one prompt) take one copy.
      for (int b = 0, end; b < padding.length; b = end) {
        end = b + 1;
        while (end < padding.length && prefixes[end] == prefixes[b] && padding[end] == padding[b])
          end++;
        int positions = filled - padding[b];
        if (prefixes[b] == null || positions <= 0) continue;
        if (prefixes[b].length < positions)
          throw new IllegalArgumentException(
              "prefix of row " + b + " holds " + prefixes[b].length + " < " + positions);
        NDIndex source = new NDIndex("0:1, :, 0:{}", positions);
        NDIndex target = new NDIndex("{}:{}, :, {}:{}", b, end, padding[b], filled);
        try (NDArray k = prefixes[b].keys[i].get(source);
            NDArray v = prefixes[b].values[i].get(source)) {
          cache.keys[i].set(target, k);
          cache.values[i].set(target, v);
        }
      }
    }
    return cache;
  }

  /** Row {@code b} without its padding, as a new one-row cache holding just its positions. */
  public KvCache row(NDManager parent, LlamaConfig config, int b) {
    int positions = length - padding[b];
    KvCache out = new KvCache(parent, config, 1, positions);
    out.length = positions;
    NDIndex source = new NDIndex("{}:{}, :, {}:{}", b, b + 1, padding[b], length);
    for (int i = 0; i < keys.length; i++) {
      out.keys[i] = copy(keys[i], source, out.manager);
      out.values[i] = copy(values[i], source, out.manager);
    }
    return out;
  }

  private static NDArray copy(NDArray all, NDIndex index, NDManager owner) {
    try (NDArray view = all.get(index)) {
      NDArray copy = view.duplicate();
      copy.attach(owner);
      return copy;
    }
  }

  /** Keeps only the given rows (in that order), so finished requests stop costing work. */
  public void keepRows(int[] rows) {
    if (rows.length == padding.length) return;
    try (NDManager scope = manager.newSubManager()) {
      NDArray index = scope.create(Arrays.stream(rows).asLongStream().toArray());
      for (int i = 0; i < keys.length && keys[i] != null; i++) {
        keys[i] = select(keys[i], index);
        values[i] = select(values[i], index);
      }
    }
    int[] kept = new int[rows.length];
    for (int i = 0; i < rows.length; i++) kept[i] = padding[rows[i]];
    padding = kept;
  }

  /**
   * Continuous batching: appends the rows of {@code other} (a cache just prefilled for new
   * requests) after this cache's rows, then closes nothing. Both are left-aligned to the longer of
   * the two by adding left padding, so every row keeps its tokens' positions; columns that are
   * padding in every row are dropped, and the capacity becomes the filled length plus {@code
   * headroom}.
   */
  public void admit(KvCache other, int headroom) {
    int rows = padding.length, longer = Math.max(length, other.length);
    int[] merged = new int[rows + other.padding.length];
    for (int b = 0; b < rows; b++) merged[b] = padding[b] + longer - length;
    for (int b = 0; b < other.padding.length; b++)
      merged[rows + b] = other.padding[b] + longer - other.length;
    int drop = Arrays.stream(merged).min().orElse(0);
    int filled = longer - drop;
    int newCapacity = Math.addExact(filled, headroom);
    for (int i = 0; i < keys.length; i++) {
      keys[i] =
          merge(
              keys[i],
              length,
              longer - length - drop,
              other.keys[i],
              other.length,
              longer - other.length - drop,
              newCapacity);
      values[i] =
          merge(
              values[i],
              length,
              longer - length - drop,
              other.values[i],
              other.length,
              longer - other.length - drop,
              newCapacity);
    }
    for (int b = 0; b < merged.length; b++) merged[b] -= drop;
    padding = merged;
    length = filled;
    capacity = newCapacity;
  }

  /**
   * [mine; theirs] along the batch, each one's first {@code filled} positions moved right by its
   * offset (negative: dropped).
   */
  private NDArray merge(
      NDArray mine,
      int mineFilled,
      int mineOffset,
      NDArray theirs,
      int theirsFilled,
      int theirsOffset,
      int newCapacity) {
    Shape s = mine.getShape();
    NDArray out =
        manager.zeros(
            new Shape(s.get(0) + theirs.getShape().get(0), s.get(1), newCapacity, s.get(3)),
            mine.getDataType());
    place(out, 0, mine, mineFilled, mineOffset);
    place(out, s.get(0), theirs, theirsFilled, theirsOffset);
    mine.close();
    return out;
  }

  private static void place(NDArray out, long firstRow, NDArray source, int filled, int offset) {
    int from = Math.max(0, -offset);
    if (filled <= from) return;
    long rows = source.getShape().get(0);
    try (NDArray slice = source.get(new NDIndex(":, :, {}:{}", from, filled))) {
      out.set(
          new NDIndex("{}:{}, :, {}:{}", firstRow, firstRow + rows, from + offset, filled + offset),
          slice);
    }
  }

  private NDArray select(NDArray all, NDArray index) {
    NDArray kept = all.get(index);
    kept.attach(manager);
    all.close();
    return kept;
  }

  @Override
  public void close() {
    manager.close();
  }
}
