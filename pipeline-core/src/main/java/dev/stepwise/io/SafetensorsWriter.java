package dev.stepwise.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Writes a real safetensors file (the layout HF's {@code safetensors} library reads): header
 * {@code __metadata__ {"format":"pt"}}, tensors sorted by name, header padded with spaces to a
 * multiple of 8. Writes to a temporary sibling and renames, so a half-written file is never seen.
 */
public final class SafetensorsWriter {
  private SafetensorsWriter() {}

  /** One tensor to write; {@code data} is row-major F32, converted to the file dtype on write. */
  public record NamedTensor(String name, long[] shape, float[] data) {
    public NamedTensor {
      long n = 1;
      for (long d : shape) n *= d;
      if (n != data.length) {
        throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
      }
    }

    public StreamedTensor streamed() {
      int[] next = {0};
      return new StreamedTensor(name, shape, (chunk, count) -> {
        System.arraycopy(data, next[0], chunk, 0, count);
        next[0] += count;
      });
    }
  }

  /**
   * A tensor whose row-major values are produced in order, a chunk at a time, when it is written:
   * a model far larger than the heap is written without ever holding it whole.
   */
  public record StreamedTensor(String name, long[] shape, Values values) {
    long size() {
      return Arrays.stream(shape).reduce(1, Math::multiplyExact);
    }
  }

  /** Produces a tensor's values in order. */
  @FunctionalInterface
  public interface Values {
    /** Fills {@code chunk[0, count)} with the next {@code count} values. */
    void next(float[] chunk, int count);
  }

  public static void write(Path file, List<NamedTensor> tensors, TensorDType dtype) throws IOException {
    writeStreamed(file, tensors.stream().map(NamedTensor::streamed).toList(), dtype);
  }

  /** As {@link #write}; each tensor's values are asked for only while its bytes are written. */
  public static void writeStreamed(Path file, List<StreamedTensor> tensors, TensorDType dtype) throws IOException {
    List<StreamedTensor> sorted = tensors.stream().sorted(Comparator.comparing(StreamedTensor::name)).toList();
    JsonObject header = new JsonObject();
    JsonObject metadata = new JsonObject();
    metadata.addProperty("format", "pt");
    header.add("__metadata__", metadata);
    long offset = 0;
    for (StreamedTensor t : sorted) {
      JsonObject entry = new JsonObject();
      entry.addProperty("dtype", dtype.name());
      JsonArray shape = new JsonArray();
      for (long d : t.shape) shape.add(d);
      entry.add("shape", shape);
      JsonArray offsets = new JsonArray();
      offsets.add(offset);
      offset += t.size() * dtype.bytes;
      offsets.add(offset);
      entry.add("data_offsets", offsets);
      if (header.has(t.name)) throw new IllegalArgumentException(file + ": tensor '" + t.name + "' given twice");
      header.add(t.name, entry);
    }
    byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    byte[] headerBytes = Arrays.copyOf(json, padded);
    Arrays.fill(headerBytes, json.length, padded, (byte) ' ');

    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
      out.write(headerBytes);
      for (StreamedTensor t : sorted) writeData(out, t, dtype);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void writeData(OutputStream out, StreamedTensor t, TensorDType dtype) throws IOException {
    float[] values = new float[1 << 14];
    ByteBuffer chunk = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (long done = 0, size = t.size(); done < size; ) {
      int count = (int) Math.min(values.length, size - done);
      t.values().next(values, count);
      chunk.clear();
      for (int i = 0; i < count; i++) {
        switch (dtype) {
          case F32 -> chunk.putFloat(values[i]);
          case F16 -> chunk.putShort(Halfs.floatToF16(values[i]));
          case BF16 -> chunk.putShort(Halfs.floatToBf16(values[i]));
        }
      }
      out.write(chunk.array(), 0, chunk.position());
      done += count;
    }
  }
}
