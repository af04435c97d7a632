package dev.stepwise.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes real safetensors files (the layout HF's {@code safetensors} library reads): header {@code
 * __metadata__ {"format":"pt"}}, tensors sorted by name, header padded with spaces to a multiple of
 * 8. Writes to a temporary sibling and renames, so a half-written file is never seen. Tensors are
 * written block by block, so none needs to fit one Java array; all-zero blocks are left as holes,
 * so a mostly-zero tensor makes a sparse file.
 */
public final class SafetensorsWriter {
  private SafetensorsWriter() {}

  /** HF's default {@code max_shard_size} ("5GB", decimal). */
  public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

  private static final int BLOCK_ELEMENTS = 1 << 20;
  private static final Pattern MODEL_FILE =
      Pattern.compile("model(-\\d{5}-of-\\d{5})?\\.safetensors|model\\.safetensors\\.index\\.json");

  /** A tensor's values in row-major order, handed out one block at a time as F32. */
  @FunctionalInterface
  public interface Values {
    /** Fills {@code into} with elements {@code first .. first + into.length - 1}. */
    void copy(long first, float[] into);
  }

  /** One tensor to write; its values are converted to the file dtype on write. */
  public record NamedTensor(String name, long[] shape, Values values) {
    public NamedTensor(String name, long[] shape, float[] data) {
      this(name, shape, checked(name, shape, data));
    }

    private static Values checked(String name, long[] shape, float[] data) {
      long n = Arrays.stream(shape).reduce(1, Math::multiplyExact);
      if (n != data.length) {
        throw new IllegalArgumentException(
            "tensor '"
                + name
                + "': shape "
                + Arrays.toString(shape)
                + " needs "
                + n
                + " values, got "
                + data.length);
      }
      return (first, into) -> System.arraycopy(data, (int) first, into, 0, into.length);
    }

    public long elements() {
      return Arrays.stream(shape).reduce(1, Math::multiplyExact);
    }
  }

  public static void write(Path file, List<NamedTensor> tensors, TensorDType dtype)
      throws IOException {
    List<NamedTensor> sorted =
        tensors.stream().sorted(Comparator.comparing(NamedTensor::name)).toList();
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
      offset += t.elements() * dtype.bytes;
      offsets.add(offset);
      entry.add("data_offsets", offsets);
      if (header.has(t.name))
        throw new IllegalArgumentException(file + ": tensor '" + t.name + "' given twice");
      header.add(t.name, entry);
    }
    byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer start =
        ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).put(json);
    while (start.hasRemaining()) start.put((byte) ' ');

    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel out =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      long position = writeFully(out, start.flip(), 0);
      ByteBuffer block =
          ByteBuffer.allocate(BLOCK_ELEMENTS * dtype.bytes).order(ByteOrder.LITTLE_ENDIAN);
      float[] values = new float[BLOCK_ELEMENTS];
      for (NamedTensor t : sorted) {
        long n = t.elements();
        for (long first = 0; first < n; first += BLOCK_ELEMENTS) {
          float[] chunk = n - first >= BLOCK_ELEMENTS ? values : new float[(int) (n - first)];
          t.values.copy(first, chunk);
          boolean zero = encode(chunk, dtype, block.clear());
          position = zero ? position + block.position() : writeFully(out, block.flip(), position);
        }
      }
      if (out.size() < position)
        writeFully(out, ByteBuffer.allocate(1), position - 1); // a trailing hole still counts
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Encodes {@code values} into {@code out}; true when every value is +0 (the block may be left a
   * hole).
   */
  private static boolean encode(float[] values, TensorDType dtype, ByteBuffer out) {
    boolean zero = true;
    for (float v : values) {
      zero &= Float.floatToRawIntBits(v) == 0;
      switch (dtype) {
        case F32 -> out.putFloat(v);
        case F16 -> out.putShort(Halfs.floatToF16(v));
        case BF16 -> out.putShort(Halfs.floatToBf16(v));
      }
    }
    return zero;
  }

  private static long writeFully(FileChannel out, ByteBuffer data, long position)
      throws IOException {
    while (data.hasRemaining()) position += out.write(data, position);
    return position;
  }

  /**
   * Writes a model's tensors into {@code dir} as HF's {@code save_pretrained} does: one {@code
   * model.safetensors} when they fit in {@code maxShardBytes}, else shards {@code
   * model-00001-of-0000N.safetensors} of at most {@code maxShardBytes} each (a larger tensor alone
   * in its own; tensors kept in the given order) and {@code model.safetensors.index.json} with
   * {@code metadata.total_size} and {@code weight_map}. Weight files of another layout left by an
   * earlier save are removed afterwards.
   */
  public static void writeModel(
      Path dir, List<NamedTensor> tensors, TensorDType dtype, long maxShardBytes)
      throws IOException {
    if (maxShardBytes <= 0)
      throw new IllegalArgumentException("max shard size must be > 0 bytes, got " + maxShardBytes);
    List<List<NamedTensor>> shards = new ArrayList<>();
    long shardBytes = 0, totalBytes = 0;
    for (NamedTensor t : tensors) {
      long bytes = t.elements() * dtype.bytes;
      if (shards.isEmpty() || (shardBytes > 0 && shardBytes + bytes > maxShardBytes)) {
        shards.add(new ArrayList<>());
        shardBytes = 0;
      }
      shards.get(shards.size() - 1).add(t);
      shardBytes += bytes;
      totalBytes += bytes;
    }
    Files.createDirectories(dir);
    List<String> written = new ArrayList<>();
    if (shards.size() <= 1) {
      write(dir.resolve(ShardedSafetensors.SINGLE), tensors, dtype);
      written.add(ShardedSafetensors.SINGLE);
    } else {
      TreeMap<String, String> weightMap = new TreeMap<>();
      for (int i = 0; i < shards.size(); i++) {
        String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
        write(dir.resolve(name), shards.get(i), dtype);
        shards.get(i).forEach(t -> weightMap.put(t.name, name));
        written.add(name);
      }
      JsonObject index = new JsonObject();
      JsonObject metadata = new JsonObject();
      metadata.addProperty("total_size", totalBytes);
      index.add("metadata", metadata);
      index.add("weight_map", new Gson().toJsonTree(weightMap));
      Path file = dir.resolve(ShardedSafetensors.INDEX);
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(
          tmp,
          new GsonBuilder().setPrettyPrinting().create().toJson(index) + "\n",
          StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      written.add(ShardedSafetensors.INDEX);
    }
    removeOtherWeightFiles(dir, Set.copyOf(written));
  }

  private static void removeOtherWeightFiles(Path dir, Set<String> keep) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (MODEL_FILE.matcher(name).matches() && !keep.contains(name)) Files.delete(f);
      }
    }
  }
}
