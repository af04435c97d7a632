package dev.stepwise.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.sampling.Seeds;
import java.nio.ByteBuffer;

/**
 * LoRA dropout's keep masks, drawn by a counter-based generator: element i of the input of
 * projection (layer, module) in micro-batch (seed, step, micro-batch) is kept or dropped by a hash
 * of those numbers and i alone. No generator state advances, so a rerun, a resumed run, another
 * worker layout or activation checkpointing's recomputation of a layer all get the same mask.
 *
 * <p>Each 64-bit hash decides four elements, 16 bits each: an element is dropped when its 16 bits
 * are below round(p * 65536), so the drop rate is p to within 2^-17.
 */
public final class LoraDropout {

  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private LoraDropout() {}

  /** The hash key of one projection's mask in one micro-batch. */
  static long key(long seed, long step, int microBatch, int layer, int module) {
    return Seeds.mix(seed, step, microBatch, layer, module);
  }

  /**
   * The keep mask (BOOLEAN, {@code shape}) of the projection keyed {@code key}, in {@code manager}
   * and in memory torch owns (autograd saves it for the backward pass).
   */
  static NDArray keepMask(NDManager manager, Shape shape, double p, long key) {
    int n = Math.toIntExact(shape.size());
    int threshold = (int) Math.round(p * 65536);
    ByteBuffer keep = ByteBuffer.allocateDirect(n);
    for (int group = 0; group < n; group += 4) {
      long h = Seeds.splitMix(key + (group >>> 2) * GOLDEN);
      for (int i = group; i < Math.min(n, group + 4); i++, h >>>= 16)
        keep.put(i, (h & 0xFFFF) >= threshold ? (byte) 1 : 0);
    }
    // The bytes alias the Java buffer (torch::from_blob); the BOOLEAN copy is torch's own.
    try (NDArray bytes = manager.create(keep, shape, DataType.UINT8)) {
      return bytes.toType(DataType.BOOLEAN, false);
    }
  }
}
