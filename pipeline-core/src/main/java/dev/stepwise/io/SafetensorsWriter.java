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
  }

  public static void write(Path file, List<NamedTensor> tensors, TensorDType dtype) throws IOException {
    List<NamedTensor> sorted = tensors.stream().sorted(Comparator.comparing(NamedTensor::name)).toList();
    JsonObject header = new JsonObject();
    JsonObject metadata = new JsonObject();
    metadata.addProperty("format", "pt");
    header.add("__metadata__", metadata);
    long offset = 0;
    for (NamedTensor t : sorted) {
      JsonObject entry = new JsonObject();
      entry.addProperty("dtype", dtype.name());
      JsonArray shape = new JsonArray();
      for (long d : t.shape) shape.add(d);
      entry.add("shape", shape);
      JsonArray offsets = new JsonArray();
      offsets.add(offset);
      offset += (long) t.data.length * dtype.bytes;
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
      for (NamedTensor t : sorted) writeData(out, t.data, dtype);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void writeData(OutputStream out, float[] data, TensorDType dtype) throws IOException {
    ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : data) {
      if (chunk.remaining() < 4) {
        out.write(chunk.array(), 0, chunk.position());
        chunk.clear();
      }
      switch (dtype) {
        case F32 -> chunk.putFloat(v);
        case F16 -> chunk.putShort(Halfs.floatToF16(v));
        case BF16 -> chunk.putShort(Halfs.floatToBf16(v));
      }
    }
    out.write(chunk.array(), 0, chunk.position());
  }
}
