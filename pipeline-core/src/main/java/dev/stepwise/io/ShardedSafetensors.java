package dev.stepwise.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A checkpoint split over several safetensors files listed in {@code model.safetensors.index.json}.
 */
public final class ShardedSafetensors implements TensorSource {

  public static final String INDEX = "model.safetensors.index.json";
  public static final String SINGLE = "model.safetensors";

  private final Map<String, SafetensorsFile> byTensor;
  private final Map<String, SafetensorsFile> byShard;

  private ShardedSafetensors(
      Map<String, SafetensorsFile> byTensor, Map<String, SafetensorsFile> byShard) {
    this.byTensor = byTensor;
    this.byShard = byShard;
  }

  /** Opens {@code dir}'s index if there is one, else its single {@code model.safetensors}. */
  public static TensorSource openDirectory(Path dir) throws IOException {
    Path index = dir.resolve(INDEX);
    if (Files.exists(index)) return openIndex(index);
    Path single = dir.resolve(SINGLE);
    if (!Files.exists(single))
      throw new IOException(dir + ": neither " + SINGLE + " nor " + INDEX + " found");
    return SafetensorsFile.open(single);
  }

  public static ShardedSafetensors openIndex(Path index) throws IOException {
    JsonObject weightMap;
    try {
      weightMap =
          JsonParser.parseString(Files.readString(index, StandardCharsets.UTF_8))
              .getAsJsonObject()
              .getAsJsonObject("weight_map");
    } catch (RuntimeException e) {
      throw new IOException(
          index + ": not a safetensors index (expected a JSON object with 'weight_map')", e);
    }
    if (weightMap == null) throw new IOException(index + ": missing key 'weight_map'");
    Map<String, SafetensorsFile> byShard = new LinkedHashMap<>();
    Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, JsonElement> e : weightMap.entrySet()) {
        String shardName = e.getValue().getAsString();
        SafetensorsFile shard = byShard.get(shardName);
        if (shard == null) {
          Path shardPath = shardPath(index, shardName);
          if (!Files.exists(shardPath))
            throw new IOException(
                index
                    + ": tensor '"
                    + e.getKey()
                    + "' is in shard "
                    + shardName
                    + ", which does not exist");
          shard = SafetensorsFile.open(shardPath);
          byShard.put(shardName, shard);
        }
        if (!shard.names().contains(e.getKey())) {
          throw new IOException(
              index
                  + ": lists tensor '"
                  + e.getKey()
                  + "' in "
                  + shardName
                  + ", but that shard has no such tensor");
        }
        byTensor.put(e.getKey(), shard);
      }
    } catch (IOException | RuntimeException e) {
      for (SafetensorsFile f : byShard.values()) f.close();
      throw e;
    }
    return new ShardedSafetensors(byTensor, byShard);
  }

  /**
   * A shard's file: a plain name inside the index's directory. An index that points elsewhere
   * ("../../x", "/etc/x", "sub/../../x") is refused, so a downloaded checkpoint reads only its own
   * files.
   */
  private static Path shardPath(Path index, String shardName) throws IOException {
    Path dir = index.toAbsolutePath().normalize().getParent();
    Path shard = dir.resolve(shardName).normalize();
    if (shardName.isEmpty()
        || Path.of(shardName).isAbsolute()
        || !shard.startsWith(dir)
        || shard.equals(dir)) {
      throw new IOException(
          index
              + ": shard path '"
              + shardName
              + "' is outside the model directory "
              + dir
              + "; an index may only name files in its own directory");
    }
    return shard;
  }

  @Override
  public Set<String> names() {
    return byTensor.keySet();
  }

  private SafetensorsFile shardOf(String name) {
    SafetensorsFile shard = byTensor.get(name);
    if (shard == null)
      throw new IllegalArgumentException(INDEX + ": no tensor named '" + name + "'");
    return shard;
  }

  @Override
  public SafetensorsFile.TensorInfo info(String name) {
    return shardOf(name).info(name);
  }

  @Override
  public void read(String name, long first, ByteBuffer into, TensorDType as) throws IOException {
    shardOf(name).read(name, first, into, as);
  }

  @Override
  public void close() throws IOException {
    for (SafetensorsFile f : byShard.values()) f.close();
  }
}
