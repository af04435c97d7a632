package dev.stepwise.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.stepwise.io.SafetensorsFile;
import dev.stepwise.io.SafetensorsWriter;
import dev.stepwise.io.SafetensorsWriter.NamedTensor;
import dev.stepwise.io.TensorDType;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.LlamaModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A LoRA adapter directory as PEFT writes and reads it: {@code adapter_config.json} (peft_type
 * LORA, r, lora_alpha, lora_dropout, target_modules, and base_model_name_or_path, the pointer to
 * the base model) and {@code adapter_model.safetensors} (F32, PEFT's tensor names). PEFT's {@code
 * PeftModel.from_pretrained(base, dir)} and {@code AutoPeftModelForCausalLM} load it.
 */
public final class AdapterDirectory {
  private AdapterDirectory() {}

  public static final String CONFIG = "adapter_config.json";
  public static final String WEIGHTS = "adapter_model.safetensors";

  /** Where a base model pointer (base_model_name_or_path) lives on this machine. */
  @FunctionalInterface
  public interface BaseLocator {
    Path locate(String base) throws IOException;
  }

  /** A pointer is a local path, as PEFT reads it (relative ones against the working directory). */
  public static final BaseLocator LOCAL = Path::of;

  /** What adapter_config.json says. */
  public record Header(LoraSettings settings, String base) {}

  public static boolean isAdapter(Path dir) {
    return Files.isRegularFile(dir.resolve(CONFIG));
  }

  /**
   * Loads the base model of the adapter in {@code dir} onto {@code parent}'s device, its weights in
   * {@code compute}, and installs the adapter on it (F32 weights in the model's manager, so closing
   * the model frees both). Callers go through {@link Checkpoint#load}.
   */
  public static LlamaModel load(Path dir, NDManager parent, TensorDType compute, BaseLocator bases)
      throws IOException {
    Header header = readHeader(dir);
    Path baseDir = locateBase(dir, header, bases);
    LlamaModel model = Checkpoint.load(baseDir, parent, compute);
    try {
      Map<String, NDArray> weights =
          readWeights(dir, LoraAdapter.shapes(model.config(), header.settings()), model.manager());
      model.setProjectionHook(
          new LoraAdapter(model.config(), header.settings(), header.base(), weights));
      return model;
    } catch (IOException | RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * The directory with the tokenizer files of {@code dir}: itself, or an adapter's base when it has
   * none.
   */
  public static Path tokenizerDir(Path dir, BaseLocator bases) throws IOException {
    if (!isAdapter(dir) || Files.isRegularFile(dir.resolve("tokenizer.json"))) return dir;
    return locateBase(dir, readHeader(dir), bases);
  }

  private static Path locateBase(Path dir, Header header, BaseLocator bases) throws IOException {
    Path base = bases.locate(header.base());
    if (isAdapter(base)) {
      throw new IOException(
          dir
              + ": its base "
              + header.base()
              + " is itself an adapter; merge that one first (`stepwise model merge`)");
    }
    if (!Files.isRegularFile(base.resolve(Checkpoint.CONFIG))) {
      throw new IOException(
          dir.resolve(CONFIG)
              + ": base_model_name_or_path '"
              + header.base()
              + "' is not an HF model directory here (no "
              + Checkpoint.CONFIG
              + "); point it at the base checkpoint");
    }
    return base;
  }

  /**
   * Reads {@code dir}'s adapter weights, which must be exactly {@code expected} (names and shapes),
   * as F32.
   */
  public static Map<String, NDArray> readWeights(
      Path dir, Map<String, long[]> expected, NDManager manager) throws IOException {
    Path file = dir.resolve(WEIGHTS);
    if (!Files.isRegularFile(file))
      throw new IOException(dir + ": no " + WEIGHTS + " next to " + CONFIG);
    try (SafetensorsFile source = SafetensorsFile.open(file)) {
      for (String name : source.names()) {
        if (!expected.containsKey(name))
          throw new IOException(
              file
                  + ": unexpected tensor '"
                  + name
                  + "' (not a LoRA weight of the configured target_modules)");
      }
      Map<String, NDArray> weights = new LinkedHashMap<>();
      for (Map.Entry<String, long[]> e : expected.entrySet()) {
        if (!source.names().contains(e.getKey()))
          throw new IOException(
              file + ": no tensor '" + e.getKey() + "' (its config targets this module)");
        long[] shape = source.info(e.getKey()).shape();
        if (!Arrays.equals(shape, e.getValue())) {
          throw new IOException(
              file
                  + ": tensor '"
                  + e.getKey()
                  + "' has shape "
                  + Arrays.toString(shape)
                  + ", expected "
                  + Arrays.toString(e.getValue())
                  + " from r and the base model");
        }
        weights.put(
            e.getKey(), Checkpoint.read(source, e.getKey(), shape, TensorDType.F32, manager));
      }
      return weights;
    }
  }

  /** Writes {@code adapter} into {@code dir} (F32 weights and PEFT's config). */
  public static void write(LoraAdapter adapter, Path dir) throws IOException {
    Files.createDirectories(dir);
    List<NamedTensor> tensors = new ArrayList<>();
    adapter
        .parameters()
        .forEach(
            (name, p) ->
                tensors.add(new NamedTensor(name, p.getShape().getShape(), p.toFloatArray())));
    SafetensorsWriter.write(dir.resolve(WEIGHTS), tensors, TensorDType.F32);
    LoraSettings s = adapter.settings();
    JsonObject json = new JsonObject();
    json.addProperty("peft_type", "LORA");
    json.addProperty("task_type", "CAUSAL_LM");
    json.addProperty("base_model_name_or_path", adapter.base());
    json.addProperty("r", s.r());
    if (s.alpha() == Math.rint(s.alpha()))
      json.addProperty("lora_alpha", (long) s.alpha()); // PEFT writes an int
    else json.addProperty("lora_alpha", s.alpha());
    json.addProperty("lora_dropout", s.dropout());
    JsonArray targets = new JsonArray();
    s.targetModules().forEach(targets::add);
    json.add("target_modules", targets);
    json.addProperty("bias", "none");
    json.addProperty("fan_in_fan_out", false);
    json.addProperty("inference_mode", true);
    json.addProperty("init_lora_weights", true);
    json.add("modules_to_save", null);
    json.add("layers_to_transform", null);
    json.add("layers_pattern", null);
    json.add("revision", null);
    Files.writeString(
        dir.resolve(CONFIG),
        new GsonBuilder()
                .serializeNulls()
                .disableHtmlEscaping()
                .setPrettyPrinting()
                .create()
                .toJson(json)
            + "\n",
        StandardCharsets.UTF_8);
  }

  /**
   * Reads adapter_config.json (as PEFT up to 0.21 writes it), refusing what this decoder's adapters
   * do not compute: DoRA, rsLoRA, QA-LoRA, LoRA biases, per-module patterns, layer subsets or
   * replication, extra trained modules, tokens or parameters.
   */
  public static Header readHeader(Path dir) throws IOException {
    Path file = dir.resolve(CONFIG);
    JsonObject json;
    try {
      json =
          JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
    } catch (JsonParseException | IllegalStateException e) {
      throw new IOException(file + ": not a JSON object: " + e.getMessage());
    }
    require(file, json, "peft_type", "LORA");
    require(file, json, "bias", "none");
    for (String flag :
        List.of("fan_in_fan_out", "use_dora", "use_rslora", "use_qalora", "lora_bias")) {
      if (json.has(flag) && !json.get(flag).isJsonNull() && json.get(flag).getAsBoolean()) {
        throw new IOException(
            file + ": " + flag + " = true is not supported; train the adapter without it");
      }
    }
    for (String pattern : List.of("rank_pattern", "alpha_pattern")) {
      if (json.has(pattern)
          && json.get(pattern).isJsonObject()
          && !json.getAsJsonObject(pattern).isEmpty()) {
        throw new IOException(
            file + ": " + pattern + " is not supported; use one r and lora_alpha for every module");
      }
    }
    for (String unset :
        List.of(
            "layers_to_transform",
            "modules_to_save",
            "layer_replication",
            "trainable_token_indices",
            "target_parameters")) {
      if (json.has(unset) && !json.get(unset).isJsonNull())
        throw new IOException(file + ": " + unset + " is not supported; leave it null");
    }
    JsonElement targets = json.get("target_modules");
    if (targets == null || !targets.isJsonArray()) {
      throw new IOException(
          file
              + ": target_modules must be a list of module names such as [\"q_proj\", \"v_proj\"]");
    }
    List<String> modules = new ArrayList<>();
    targets.getAsJsonArray().forEach(t -> modules.add(t.getAsString()));
    for (String key : List.of("r", "lora_alpha", "base_model_name_or_path")) {
      if (!json.has(key) || json.get(key).isJsonNull()) throw new IOException(file + ": no " + key);
    }
    try {
      double dropout = json.has("lora_dropout") ? json.get("lora_dropout").getAsDouble() : 0;
      LoraSettings settings =
          new LoraSettings(
              json.get("r").getAsInt(), json.get("lora_alpha").getAsDouble(), dropout, modules);
      return new Header(settings, json.get("base_model_name_or_path").getAsString());
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage());
    }
  }

  private static void require(Path file, JsonObject json, String key, String value)
      throws IOException {
    if (json.has(key)
        && !json.get(key).isJsonNull()
        && !json.get(key).getAsString().equals(value)) {
      throw new IOException(
          file
              + ": "
              + key
              + " is '"
              + json.get(key).getAsString()
              + "'; only "
              + value
              + " is supported");
    }
  }
}
