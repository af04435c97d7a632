package dev.stepwise.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One safetensors file: an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the raw little-endian data. Each tensor is memory-mapped on its
 * own when read, so files over 2 GB work (one tensor must stay under 2 GB).
 */
public final class SafetensorsFile implements TensorSource {

  /** Where one tensor lies in the data section. */
  public record TensorInfo(String name, String dtype, long[] shape, long begin, long end) {
    public long elements() {
      long n = 1;
      for (long d : shape) n *= d;
      return n;
    }
  }

  private static final long MAX_HEADER_BYTES = 100L << 20;

  private final Path file;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;

  private SafetensorsFile(Path file, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
    this.file = file;
    this.channel = channel;
    this.dataStart = dataStart;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  public static SafetensorsFile open(Path file) throws IOException {
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    try {
      return parse(file, channel);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private static SafetensorsFile parse(Path file, FileChannel channel) throws IOException {
    long size = channel.size();
    if (size < 8) throw new IOException(file + ": not a safetensors file (" + size + " bytes, shorter than the 8-byte header length)");
    ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(channel, lengthBytes, 0);
    long headerLength = lengthBytes.flip().getLong();
    if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
      throw new IOException(file + ": corrupt or truncated safetensors file (header length " + headerLength + ", file size " + size + ")");
    }
    ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
    readFully(channel, headerBytes, 8);
    JsonObject header;
    try {
      header = JsonParser.parseString(new String(headerBytes.array(), StandardCharsets.UTF_8)).getAsJsonObject();
    } catch (RuntimeException e) {
      throw new IOException(file + ": corrupt safetensors header (not a JSON object): " + e.getMessage(), e);
    }
    long dataSize = size - 8 - headerLength;
    Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> entry : header.entrySet()) {
      if (entry.getKey().equals("__metadata__")) {
        entry.getValue().getAsJsonObject().entrySet().forEach(m -> metadata.put(m.getKey(), m.getValue().getAsString()));
        continue;
      }
      TensorInfo info = tensorInfo(file, entry.getKey(), entry.getValue());
      if (info.end > dataSize) {
        throw new IOException(file + ": tensor '" + info.name + "' ends at byte " + info.end + " but the data section has only "
            + dataSize + " bytes (truncated file?)");
      }
      tensors.put(info.name, info);
    }
    return new SafetensorsFile(file, channel, 8 + headerLength, Collections.unmodifiableMap(tensors), metadata);
  }

  private static TensorInfo tensorInfo(Path file, String name, JsonElement entry) throws IOException {
    try {
      JsonObject json = entry.getAsJsonObject();
      String dtype = json.get("dtype").getAsString();
      JsonArray shapeJson = json.getAsJsonArray("shape");
      long[] shape = new long[shapeJson.size()];
      for (int i = 0; i < shape.length; i++) shape[i] = shapeJson.get(i).getAsLong();
      JsonArray offsets = json.getAsJsonArray("data_offsets");
      TensorInfo info = new TensorInfo(name, dtype, shape, offsets.get(0).getAsLong(), offsets.get(1).getAsLong());
      int width = bytesPerElement(dtype);
      if (info.begin < 0 || info.end < info.begin || (width > 0 && info.end - info.begin != info.elements() * width)) {
        throw new IOException(file + ": tensor '" + name + "' has data_offsets " + offsets + " that do not fit dtype " + dtype
            + " and shape " + Arrays.toString(shape));
      }
      return info;
    } catch (RuntimeException e) {
      throw new IOException(file + ": corrupt safetensors header entry for tensor '" + name + "': " + entry, e);
    }
  }

  private static int bytesPerElement(String dtype) {
    return switch (dtype) {
      case "F64", "I64", "U64" -> 8;
      case "F32", "I32", "U32" -> 4;
      case "F16", "BF16", "I16", "U16" -> 2;
      case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
      default -> 0;
    };
  }

  private static void readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
    while (into.hasRemaining()) {
      if (channel.read(into, position + into.position()) < 0) throw new IOException("unexpected end of file");
    }
  }

  public Path path() {
    return file;
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  @Override
  public Set<String> names() {
    return tensors.keySet();
  }

  @Override
  public TensorInfo info(String name) {
    TensorInfo info = tensors.get(name);
    if (info == null) throw new IllegalArgumentException(file + ": no tensor named '" + name + "'");
    return info;
  }

  /**
   * The tensor as F32 in a fresh direct buffer in native order (a copy, so the caller may write to
   * it and the file may change afterwards). F16 and BF16 are widened here, in Java.
   */
  @Override
  public ByteBuffer readF32(String name) throws IOException {
    TensorInfo info = info(name);
    TensorDType dtype;
    try {
      dtype = TensorDType.parse(info.dtype);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": tensor '" + name + "' has dtype " + info.dtype + "; only F32, F16 and BF16 are supported");
    }
    long bytes = info.end - info.begin;
    if (info.elements() * 4 > Integer.MAX_VALUE) {
      throw new IOException(file + ": tensor '" + name + "' is over 2 GB as F32; split it across shards");
    }
    ByteBuffer src = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin, bytes).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer out = ByteBuffer.allocateDirect((int) (info.elements() * 4)).order(ByteOrder.nativeOrder());
    FloatBuffer floats = out.asFloatBuffer();
    switch (dtype) {
      case F32 -> floats.put(src.asFloatBuffer());
      case BF16 -> {
        while (src.hasRemaining()) floats.put(Halfs.bf16ToFloat(src.getShort()));
      }
      case F16 -> {
        while (src.hasRemaining()) floats.put(Halfs.f16ToFloat(src.getShort()));
      }
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
