package dev.stepwise.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.stepwise.io.SafetensorsFile;
import dev.stepwise.io.SafetensorsWriter;
import dev.stepwise.io.SafetensorsWriter.NamedTensor;
import dev.stepwise.io.SafetensorsWriter.StreamedTensor;
import dev.stepwise.io.ShardedSafetensors;
import dev.stepwise.io.TensorDType;
import dev.stepwise.io.TensorSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An HF model directory: {@code config.json}, {@code model.safetensors} (or shards and
 * {@code model.safetensors.index.json}), {@code generation_config.json}, and the tokenizer files.
 */
public final class Checkpoint {
  private Checkpoint() {}

  public static final String CONFIG = "config.json";
  public static final String GENERATION_CONFIG = "generation_config.json";
  /** Tokenizer files copied along when a model is saved next to its tokenizer. */
  public static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json");

  /** Loads the model of {@code dir} onto the device of {@code parent}, in F32, into a new sub-manager. */
  public static LlamaModel load(Path dir, NDManager parent) throws IOException {
    Path configFile = dir.resolve(CONFIG);
    if (!Files.exists(configFile)) throw new IOException(dir + ": no " + CONFIG + "; expected an HF model directory");
    LlamaConfig config = LlamaConfig.read(configFile);
    Map<String, long[]> expected = LlamaModel.expectedShapes(config);
    NDManager manager = parent.newSubManager();
    try (TensorSource source = ShardedSafetensors.openDirectory(dir)) {
      checkNoUnknownTensors(dir, config, source.names(), expected.keySet());
      Map<String, NDArray> parameters = new LinkedHashMap<>();
      for (Map.Entry<String, long[]> e : expected.entrySet()) {
        String name = e.getKey();
        if (!source.names().contains(name)) throw new IOException(dir + ": checkpoint has no tensor '" + name + "' (" + config.modelType() + " needs it)");
        SafetensorsFile.TensorInfo info = source.info(name);
        if (!Arrays.equals(info.shape(), e.getValue())) {
          throw new IOException(dir + ": tensor '" + name + "' has shape " + Arrays.toString(info.shape()) + " but " + CONFIG
              + " implies " + Arrays.toString(e.getValue()));
        }
        ByteBuffer data = source.readF32(name);
        parameters.put(name, manager.create(data, new Shape(e.getValue()), DataType.FLOAT32));
      }
      return new LlamaModel(config, manager, parameters);
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** Tensors HF keeps but this decoder does not need: a tied head's copy and old rotary buffers. */
  private static void checkNoUnknownTensors(Path dir, LlamaConfig config, Set<String> present, Set<String> expected) throws IOException {
    for (String name : present) {
      boolean tiedHead = config.tieWordEmbeddings() && name.equals("lm_head.weight");
      if (!expected.contains(name) && !tiedHead && !name.endsWith("rotary_emb.inv_freq")) {
        throw new IOException(dir + ": unexpected tensor '" + name + "' for a " + config.modelType() + " model with this " + CONFIG);
      }
    }
  }

  /**
   * Writes {@code model} as an HF directory in {@code dtype} (BF16 is rounded to nearest even in
   * Java), with {@code tokenizerDir}'s tokenizer files copied when it is not null.
   */
  public static void save(LlamaModel model, Path dir, TensorDType dtype, Path tokenizerDir) throws IOException {
    Files.createDirectories(dir);
    List<StreamedTensor> tensors = new ArrayList<>();
    for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
      tensors.add(new NamedTensor(e.getKey(), e.getValue().getShape().getShape(), e.getValue().toFloatArray()).streamed());
    }
    saveTensors(model.config(), tensors, dir, dtype);
    if (tokenizerDir != null) copyTokenizer(tokenizerDir, dir);
  }

  /** Writes config, generation config and weights, each tensor's values produced as it is written. */
  static void saveTensors(LlamaConfig config, List<StreamedTensor> tensors, Path dir, TensorDType dtype) throws IOException {
    Files.createDirectories(dir);
    Files.deleteIfExists(dir.resolve(ShardedSafetensors.INDEX)); // a stale index would shadow the new single file
    SafetensorsWriter.writeStreamed(dir.resolve(ShardedSafetensors.SINGLE), tensors, dtype);
    config.withTorchDtype(dtype.torchName()).write(dir.resolve(CONFIG));
    writeGenerationConfig(config, dir.resolve(GENERATION_CONFIG));
  }

  private static void writeGenerationConfig(LlamaConfig config, Path file) throws IOException {
    JsonObject json = new JsonObject();
    if (config.bosTokenId() != null) json.addProperty("bos_token_id", config.bosTokenId());
    if (config.eosTokenId() != null) json.addProperty("eos_token_id", config.eosTokenId());
    json.addProperty("do_sample", false);
    Files.writeString(file, new GsonBuilder().setPrettyPrinting().create().toJson(json) + "\n", StandardCharsets.UTF_8);
  }

  /** Copies the tokenizer files that exist in {@code from} (at least tokenizer.json is expected by users). */
  public static void copyTokenizer(Path from, Path to) throws IOException {
    if (from.toAbsolutePath().normalize().equals(to.toAbsolutePath().normalize())) return;
    for (String name : TOKENIZER_FILES) {
      Path source = from.resolve(name);
      if (Files.exists(source)) Files.copy(source, to.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
