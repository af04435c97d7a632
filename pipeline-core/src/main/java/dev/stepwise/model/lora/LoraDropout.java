package dev.stepwise.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.sampling.Seeds;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

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

  /** Elements per parallel task (a multiple of 4, so no hash spans two tasks). */
  private static final int CHUNK = 1 << 18;

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
    long threshold = Math.round(p * 65536);
    ByteBuffer keep = ByteBuffer.allocateDirect(n).order(ByteOrder.LITTLE_ENDIAN);
    // Chunks of whole hashes on the common pool: each element depends on its index alone.
    IntStream.range(0, (n + CHUNK - 1) / CHUNK)
        .parallel()
        .forEach(
            c -> {
              int end = Math.min(n, (c + 1) * CHUNK);
              int i = c * CHUNK;
              for (; i + 8 <= end; i += 8) { // two hashes, eight elements, one 8-byte write
                keep.putLong(i, lanes(key, i, threshold) | lanes(key, i + 4, threshold) << 32);
              }
              for (; i < end; i += 4) {
                long bytes = lanes(key, i, threshold);
                for (int j = i; j < Math.min(end, i + 4); j++, bytes >>>= 8)
                  keep.put(j, (byte) bytes);
              }
            });
    // The bytes alias the Java buffer (torch::from_blob); the BOOLEAN copy is torch's own.
    try (NDArray bytes = manager.create(keep, shape, DataType.UINT8)) {
      return bytes.toType(DataType.BOOLEAN, false);
    }
  }

  /**
   * Keep (1) or drop (0) of elements {@code first..first+3} (first a multiple of 4) as the four low
   * bytes of a long, element {@code first} lowest: 16-bit lane j of the hash of first/4 kept when
   * >= threshold. The lanes compare two at a time in 32-bit slots: lane + (65536 - threshold)
   * reaches bit 16 of its slot exactly when lane >= threshold.
   */
  private static long lanes(long key, int first, long threshold) {
    long h = Seeds.splitMix(key + (first >>> 2) * Seeds.GOLDEN_GAMMA);
    long offset = (0x10000 - threshold) * 0x1_0000_0001L;
    long even = ((h & 0xFFFF_0000_FFFFL) + offset) >>> 16 & 0x1_0000_0001L; // lanes 0, 2
    long odd = ((h >>> 16 & 0xFFFF_0000_FFFFL) + offset) >>> 16 & 0x1_0000_0001L; // lanes 1, 3
    return (even & 1) | (odd & 1) << 8 | (even >>> 32) << 16 | (odd >>> 32) << 24;
  }
}
