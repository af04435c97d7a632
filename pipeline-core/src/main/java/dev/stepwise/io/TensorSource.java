package dev.stepwise.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;

/**
 * Named tensors read block by block as F32 or F16: one safetensors file or a sharded checkpoint.
 */
public interface TensorSource extends AutoCloseable {

  Set<String> names();

  SafetensorsFile.TensorInfo info(String name);

  /**
   * Fills {@code into} (its position to its limit, then its position is at the limit) with the
   * tensor's elements {@code first, first + 1, ...} in row-major order, converted to {@code as}
   * (F32 or F16; DJL cannot hold BF16) in native byte order. A tensor of any size is read this way,
   * one buffer-sized block at a time. Converting to F16 fails, naming the tensor, on a finite value
   * outside F16's range.
   */
  void read(String name, long first, ByteBuffer into, TensorDType as) throws IOException;

  @Override
  void close() throws IOException;
}
