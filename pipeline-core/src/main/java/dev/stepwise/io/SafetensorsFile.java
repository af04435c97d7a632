package dev.stepwise.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
 * dtype, shape and byte range, then the raw little-endian data. Tensors are read block by block
 * through positional reads, so neither a file nor a tensor has a size limit.
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

  /** Raw bytes read per step when a tensor is converted on read. */
  private static final int STAGING_BYTES = 1 << 22;

  private final Path file;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;

  private SafetensorsFile(
      Path file,
      FileChannel channel,
      long dataStart,
      Map<String, TensorInfo> tensors,
      Map<String, String> metadata) {
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
    if (size < 8)
      throw new IOException(
          file
              + ": not a safetensors file ("
              + size
              + " bytes, shorter than the 8-byte header length)");
    ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(channel, lengthBytes, 0);
    long headerLength = lengthBytes.flip().getLong();
    if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
      throw new IOException(
          file
              + ": corrupt or truncated safetensors file (header length "
              + headerLength
              + ", file size "
              + size
              + ")");
    }
    ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
    readFully(channel, headerBytes, 8);
    JsonObject header;
    try {
      header =
          JsonParser.parseString(new String(headerBytes.array(), StandardCharsets.UTF_8))
              .getAsJsonObject();
    } catch (RuntimeException e) {
      throw new IOException(
          file + ": corrupt safetensors header (not a JSON object): " + e.getMessage(), e);
    }
    long dataSize = size - 8 - headerLength;
    Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> entry : header.entrySet()) {
      if (entry.getKey().equals("__metadata__")) {
        entry
            .getValue()
            .getAsJsonObject()
            .entrySet()
            .forEach(m -> metadata.put(m.getKey(), m.getValue().getAsString()));
        continue;
      }
      TensorInfo info = tensorInfo(file, entry.getKey(), entry.getValue());
      if (info.end > dataSize) {
        throw new IOException(
            file
                + ": tensor '"
                + info.name
                + "' ends at byte "
                + info.end
                + " but the data section has only "
                + dataSize
                + " bytes (truncated file?)");
      }
      tensors.put(info.name, info);
    }
    return new SafetensorsFile(
        file, channel, 8 + headerLength, Collections.unmodifiableMap(tensors), metadata);
  }

  private static TensorInfo tensorInfo(Path file, String name, JsonElement entry)
      throws IOException {
    try {
      JsonObject json = entry.getAsJsonObject();
      String dtype = json.get("dtype").getAsString();
      JsonArray shapeJson = json.getAsJsonArray("shape");
      long[] shape = new long[shapeJson.size()];
      for (int i = 0; i < shape.length; i++) shape[i] = shapeJson.get(i).getAsLong();
      JsonArray offsets = json.getAsJsonArray("data_offsets");
      TensorInfo info =
          new TensorInfo(
              name, dtype, shape, offsets.get(0).getAsLong(), offsets.get(1).getAsLong());
      int width = bytesPerElement(dtype);
      if (info.begin < 0
          || info.end < info.begin
          || (width > 0 && info.end - info.begin != info.elements() * width)) {
        throw new IOException(
            file
                + ": tensor '"
                + name
                + "' has data_offsets "
                + offsets
                + " that do not fit dtype "
                + dtype
                + " and shape "
                + Arrays.toString(shape));
      }
      return info;
    } catch (RuntimeException e) {
      throw new IOException(
          file + ": corrupt safetensors header entry for tensor '" + name + "': " + entry, e);
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

  private static void readFully(FileChannel channel, ByteBuffer into, long position)
      throws IOException {
    while (into.hasRemaining()) {
      if (channel.read(into, position + into.position()) < 0)
        throw new IOException("unexpected end of file");
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

  @Override
  public void read(String name, long first, ByteBuffer into, TensorDType as) throws IOException {
    TensorInfo info = info(name);
    TensorDType stored;
    try {
      stored = TensorDType.parse(info.dtype);
    } catch (IllegalArgumentException e) {
      throw new IOException(
          file
              + ": tensor '"
              + name
              + "' has dtype "
              + info.dtype
              + "; only F32, F16 and BF16 are supported");
    }
    if (as == TensorDType.BF16)
      throw new IllegalArgumentException(
          "tensors are read as F32 or F16, not BF16 (DJL aborts on BF16 arrays)");
    if (into.remaining() % as.bytes != 0)
      throw new IllegalArgumentException(
          "buffer of " + into.remaining() + " bytes does not hold whole " + as + " values");
    long count = into.remaining() / as.bytes;
    if (first < 0 || first + count > info.elements()) {
      throw new IllegalArgumentException(
          file
              + ": elements "
              + first
              + ".."
              + (first + count)
              + " are outside tensor '"
              + name
              + "' of "
              + info.elements());
    }
    long position = dataStart + info.begin + first * stored.bytes;
    ByteBuffer out = into.slice().order(ByteOrder.nativeOrder());
    if (stored == as && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
      readFully(channel, out, position);
    } else {
      ByteBuffer staging =
          ByteBuffer.allocate((int) Math.min(count * stored.bytes, STAGING_BYTES))
              .order(ByteOrder.LITTLE_ENDIAN);
      long element = first;
      while (out.hasRemaining()) {
        staging
            .clear()
            .limit(
                (int)
                    Math.min(staging.capacity(), (long) out.remaining() / as.bytes * stored.bytes));
        readFully(channel, staging, position);
        position += staging.limit();
        staging.flip();
        element = convert(name, element, staging, stored, out, as);
      }
    }
    into.position(into.limit());
  }

  /**
   * Converts every value of {@code src} into {@code out}; returns the element index after the last.
   */
  private long convert(
      String name, long element, ByteBuffer src, TensorDType from, ByteBuffer out, TensorDType to)
      throws IOException {
    while (src.hasRemaining()) {
      float v =
          switch (from) {
            case F32 -> src.getFloat();
            case BF16 -> Halfs.bf16ToFloat(src.getShort());
            case F16 -> Halfs.f16ToFloat(src.getShort());
          };
      if (to == TensorDType.F32) {
        out.putFloat(v);
      } else {
        short half = Halfs.floatToF16(v);
        if ((half & 0x7fff) == 0x7c00 && Float.isFinite(v)) {
          throw new IOException(
              file
                  + ": tensor '"
                  + name
                  + "' holds "
                  + v
                  + " at element "
                  + element
                  + ", outside float16's range (max 65504); load this model in float32");
        }
        out.putShort(half);
      }
      element++;
    }
    return element;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
