package dev.stepwise.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;

/** Named tensors read as F32: one safetensors file or a sharded checkpoint. */
public interface TensorSource extends AutoCloseable {

  Set<String> names();

  SafetensorsFile.TensorInfo info(String name);

  /** A fresh direct F32 buffer in native order (see {@link SafetensorsFile#readF32}). */
  ByteBuffer readF32(String name) throws IOException;

  @Override
  void close() throws IOException;
}
