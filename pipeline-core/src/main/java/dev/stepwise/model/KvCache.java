package dev.stepwise.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * Keys and values of every layer for a batch being decoded, preallocated to {@code capacity}
 * positions so each step writes one slice in place instead of copying the whole cache.
 * Rows are left-padded: row b's first {@code padding[b]} positions are padding that no query attends to.
 * The arrays are allocated on the first append, in the dtype of the keys (the model's compute dtype).
 * Inference only: the in-place writes are not differentiable.
 */
public final class KvCache implements AutoCloseable {

  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;
  private final int capacity;
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

  /** Left padding of each row still in the cache. */
  public int[] padding() {
    return padding.clone();
  }

  /** Sets the left padding of each row; called once, before the first (prefill) forward. */
  void setPadding(int[] rowPadding) {
    if (length != 0) throw new IllegalStateException("padding is fixed once the cache holds positions");
    if (rowPadding.length != padding.length) {
      throw new IllegalArgumentException("padding has " + rowPadding.length + " rows, the cache " + padding.length);
    }
    padding = rowPadding.clone();
  }

  /**
   * Writes this step's keys/values [batch, kvHeads, time, headDim] of {@code layer} after the
   * cached ones and returns all of them, as views owned by {@code scope}.
   */
  NDArray[] append(int layer, NDArray k, NDArray v, NDManager scope) {
    long time = k.getShape().get(2);
    int end = Math.addExact(length, (int) time);
    if (end > capacity) throw new IllegalStateException("KV cache full: " + end + " positions > capacity " + capacity);
    if (keys[layer] == null) {
      Shape shape = new Shape(padding.length, kvHeads, capacity, headDim);
      keys[layer] = manager.zeros(shape, k.getDataType());
      values[layer] = manager.zeros(shape, v.getDataType());
      NDScope.unregister(keys[layer], values[layer]); // they outlive the forward's per-layer scope
    }
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

  /** Marks {@code time} more positions as filled, after every layer has appended them. */
  void advance(int time) {
    length += time;
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
