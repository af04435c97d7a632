package dev.stepwise.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.stepwise.io.SafetensorsFile;
import dev.stepwise.io.SafetensorsWriter;
import dev.stepwise.io.SafetensorsWriter.NamedTensor;
import dev.stepwise.io.ShardedSafetensors;
import dev.stepwise.io.TensorDType;
import dev.stepwise.io.TensorSource;
import dev.stepwise.model.lora.AdapterDirectory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
 * An HF model directory: {@code config.json}, {@code model.safetensors} (or shards and {@code
 * model.safetensors.index.json}), {@code generation_config.json}, and the tokenizer files.
 */
public final class Checkpoint {
  private Checkpoint() {}

  public static final String CONFIG = "config.json";
  public static final String GENERATION_CONFIG = "generation_config.json";

  /** Tokenizer files copied along when a model is saved next to its tokenizer. */
  public static final List<String> TOKENIZER_FILES =
      List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json");

  /** Why bfloat16 compute is refused (the config key and the load say the same). */
  public static final String BF16_REFUSED =
      "bfloat16 compute is not supported: DJL 0.36's PyTorch JNI has no "
          + "bfloat16 case and aborts the JVM on a BF16 array; use float16 (BF16 checkpoints convert at load) or float32";

  /**
   * The compute dtype {@code setting} ({@code stepwise.model.dtype}) names on {@code device}:
   * {@code float32}, {@code float16}, or {@code auto} (float16 on a GPU, float32 on the CPU).
   */
  public static TensorDType computeDtype(String setting, Device device) {
    return switch (setting) {
      case "auto" -> device.isGpu() ? TensorDType.F16 : TensorDType.F32;
      case "float32" -> TensorDType.F32;
      case "float16" -> TensorDType.F16;
      case "bfloat16" -> throw new IllegalArgumentException(BF16_REFUSED);
      default ->
          throw new IllegalArgumentException(
              "'" + setting + "' is not one of auto, float32, float16");
    };
  }

  /** Elements of the blocks a tensor too large for one buffer is assembled from (256 MB as F32). */
  private static final int BLOCK_ELEMENTS = 1 << 26;

  /**
   * Loads the model of {@code dir} onto the device of {@code parent}, in F32, into a new
   * sub-manager; see {@link #load(Path, NDManager, TensorDType, AdapterDirectory.BaseLocator)}.
   */
  public static LlamaModel load(Path dir, NDManager parent) throws IOException {
    return load(dir, parent, TensorDType.F32);
  }

  /**
   * {@link #load(Path, NDManager)} in compute dtype {@code compute}, adapters' base pointers being
   * local paths.
   */
  public static LlamaModel load(Path dir, NDManager parent, TensorDType compute)
      throws IOException {
    return load(dir, parent, compute, AdapterDirectory.LOCAL);
  }

  /**
   * Loads the model of {@code dir} onto the device of {@code parent} into a new sub-manager, its
   * weights in {@code compute} (F32 or F16; the norm weights stay F32, see {@link LlamaModel}).
   * Tensors are converted one at a time, block by block, as they are read, so loading in F16 never
   * holds an F32 copy of the model; a value outside F16's range fails the load, naming the tensor.
   * An adapter directory loads its base (found by {@code bases}, e.g. copied from a cluster's
   * storage) in {@code compute} with the adapter installed, its weights F32 whatever the base's
   * dtype.
   */
  public static LlamaModel load(
      Path dir, NDManager parent, TensorDType compute, AdapterDirectory.BaseLocator bases)
      throws IOException {
    if (compute == TensorDType.BF16) throw new IllegalArgumentException(BF16_REFUSED);
    if (AdapterDirectory.isAdapter(dir)) return AdapterDirectory.load(dir, parent, compute, bases);
    Path configFile = dir.resolve(CONFIG);
    if (!Files.exists(configFile))
      throw new IOException(dir + ": no " + CONFIG + "; expected an HF model directory");
    LlamaConfig config = LlamaConfig.read(configFile);
    Map<String, long[]> expected = LlamaModel.expectedShapes(config);
    NDManager manager = parent.newSubManager();
    try (TensorSource source = ShardedSafetensors.openDirectory(dir)) {
      checkNoUnknownTensors(dir, config, source.names(), expected.keySet());
      Map<String, NDArray> parameters = new LinkedHashMap<>();
      for (Map.Entry<String, long[]> e : expected.entrySet()) {
        String name = e.getKey();
        if (!source.names().contains(name))
          throw new IOException(
              dir
                  + ": checkpoint has no tensor '"
                  + name
                  + "' ("
                  + config.modelType()
                  + " needs it)");
        SafetensorsFile.TensorInfo info = source.info(name);
        if (!Arrays.equals(info.shape(), e.getValue())) {
          throw new IOException(
              dir
                  + ": tensor '"
                  + name
                  + "' has shape "
                  + Arrays.toString(info.shape())
                  + " but "
                  + CONFIG
                  + " implies "
                  + Arrays.toString(e.getValue()));
        }
        parameters.put(
            name,
            read(
                source,
                name,
                e.getValue(),
                LlamaModel.keepsF32(name) ? TensorDType.F32 : compute,
                manager));
      }
      return new LlamaModel(config, manager, parameters);
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /**
   * Tensor {@code name} (of {@code shape}) of {@code source} as an NDArray of dtype {@code as} (F32
   * or F16) in {@code manager}; one over {@link #BLOCK_ELEMENTS} is filled in blocks of rows.
   */
  public static NDArray read(
      TensorSource source, String name, long[] shape, TensorDType as, NDManager manager)
      throws IOException {
    DataType type = as == TensorDType.F16 ? DataType.FLOAT16 : DataType.FLOAT32;
    long elements = new Shape(shape).size();
    if (elements <= BLOCK_ELEMENTS) {
      ByteBuffer data =
          ByteBuffer.allocateDirect((int) elements * as.bytes).order(ByteOrder.nativeOrder());
      source.read(name, 0, data, as);
      return manager.create(data.rewind(), new Shape(shape), type);
    }
    long rowElements = elements / shape[0];
    long rowsPerBlock = Math.max(1, BLOCK_ELEMENTS / rowElements);
    NDArray out = manager.create(new Shape(shape), type);
    // One reused buffer: each block is copied into the tensor before the next is read.
    ByteBuffer block =
        ByteBuffer.allocateDirect(Math.toIntExact(rowsPerBlock * rowElements * as.bytes))
            .order(ByteOrder.nativeOrder());
    for (long row = 0; row < shape[0]; row += rowsPerBlock) {
      long rows = Math.min(rowsPerBlock, shape[0] - row);
      block.clear().limit((int) (rows * rowElements * as.bytes));
      source.read(name, row * rowElements, block, as);
      long[] blockShape = shape.clone();
      blockShape[0] = rows;
      try (NDArray part = manager.create(block.flip(), new Shape(blockShape), type)) {
        out.set(new NDIndex("{}:{}", row, row + rows), part);
      }
    }
    return out;
  }

  /** Tensors HF keeps but this decoder does not need: a tied head's copy and old rotary buffers. */
  private static void checkNoUnknownTensors(
      Path dir, LlamaConfig config, Set<String> present, Set<String> expected) throws IOException {
    for (String name : present) {
      boolean tiedHead = config.tieWordEmbeddings() && name.equals("lm_head.weight");
      if (!expected.contains(name) && !tiedHead && !name.endsWith("rotary_emb.inv_freq")) {
        throw new IOException(
            dir
                + ": unexpected tensor '"
                + name
                + "' for a "
                + config.modelType()
                + " model with this "
                + CONFIG);
      }
    }
  }

  /**
   * Writes {@code model} as an HF directory in {@code dtype} (BF16 is rounded to nearest even in
   * Java), in shards of HF's default 5 GB, with {@code tokenizerDir}'s tokenizer files copied when
   * it is not null.
   */
  public static void save(LlamaModel model, Path dir, TensorDType dtype, Path tokenizerDir)
      throws IOException {
    save(model, dir, dtype, tokenizerDir, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
  }

  /**
   * As {@link #save(LlamaModel, Path, TensorDType, Path)}, in shards of at most {@code
   * maxShardBytes}.
   */
  public static void save(
      LlamaModel model, Path dir, TensorDType dtype, Path tokenizerDir, long maxShardBytes)
      throws IOException {
    List<NamedTensor> tensors = new ArrayList<>();
    for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
      tensors.add(
          new NamedTensor(e.getKey(), e.getValue().getShape().getShape(), blocksOf(e.getValue())));
    }
    saveTensors(model.config(), tensors, dir, dtype, maxShardBytes);
    if (tokenizerDir != null) copyTokenizer(tokenizerDir, dir);
  }

  /**
   * A parameter's values as F32 a block at a time, so no F32 copy of a large (or F16) tensor is
   * made whole.
   */
  private static SafetensorsWriter.Values blocksOf(NDArray parameter) {
    return (first, into) -> {
      try (NDScope scope = new NDScope()) {
        NDArray block = parameter.reshape(-1).get(new NDIndex("{}:{}", first, first + into.length));
        System.arraycopy(
            block.toType(DataType.FLOAT32, false).toFloatArray(), 0, into, 0, into.length);
      }
    };
  }

  /** Writes config, generation config and weights (used by the tiny preset's init). */
  static void saveTensors(
      LlamaConfig config,
      List<NamedTensor> tensors,
      Path dir,
      TensorDType dtype,
      long maxShardBytes)
      throws IOException {
    SafetensorsWriter.writeModel(dir, tensors, dtype, maxShardBytes);
    config.withTorchDtype(dtype.torchName()).write(dir.resolve(CONFIG));
    writeGenerationConfig(config, dir.resolve(GENERATION_CONFIG));
  }

  private static void writeGenerationConfig(LlamaConfig config, Path file) throws IOException {
    JsonObject json = new JsonObject();
    if (config.bosTokenId() != null) json.addProperty("bos_token_id", config.bosTokenId());
    if (config.eosTokenId() != null) json.addProperty("eos_token_id", config.eosTokenId());
    json.addProperty("do_sample", false);
    Files.writeString(
        file,
        new GsonBuilder().setPrettyPrinting().create().toJson(json) + "\n",
        StandardCharsets.UTF_8);
  }

  /**
   * Copies the tokenizer files that exist in {@code from} (at least tokenizer.json is expected by
   * users).
   */
  public static void copyTokenizer(Path from, Path to) throws IOException {
    if (from.toAbsolutePath().normalize().equals(to.toAbsolutePath().normalize())) return;
    for (String name : TOKENIZER_FILES) {
      Path source = from.resolve(name);
      if (Files.exists(source))
        Files.copy(source, to.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
