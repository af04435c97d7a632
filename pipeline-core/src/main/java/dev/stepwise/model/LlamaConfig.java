package dev.stepwise.model;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * The decoder's hyper-parameters, named as in a Hugging Face {@code config.json} of the Llama and
 * Qwen2 families. Qwen2 always has q/k/v bias and no o bias; Llama has bias on all four projections
 * only when {@code attention_bias} is true.
 */
public record LlamaConfig(
    String modelType,
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numKeyValueHeads,
    int headDim,
    double rmsNormEps,
    double ropeTheta,
    int maxPositionEmbeddings,
    boolean tieWordEmbeddings,
    boolean attentionBias,
    Integer bosTokenId,
    Integer eosTokenId,
    String torchDtype) {

  public static final List<String> SUPPORTED_MODEL_TYPES = List.of("llama", "qwen2");

  public LlamaConfig {
    if (!SUPPORTED_MODEL_TYPES.contains(modelType)) {
      throw new IllegalArgumentException(
          "model_type '"
              + modelType
              + "' is not supported; expected one of "
              + SUPPORTED_MODEL_TYPES);
    }
    requirePositive("vocab_size", vocabSize);
    requirePositive("hidden_size", hiddenSize);
    requirePositive("intermediate_size", intermediateSize);
    requirePositive("num_hidden_layers", numHiddenLayers);
    requirePositive("num_attention_heads", numAttentionHeads);
    requirePositive("num_key_value_heads", numKeyValueHeads);
    requirePositive("head_dim", headDim);
    requirePositive("max_position_embeddings", maxPositionEmbeddings);
    if (numAttentionHeads % numKeyValueHeads != 0) {
      throw new IllegalArgumentException(
          "num_attention_heads ("
              + numAttentionHeads
              + ") must be a multiple of num_key_value_heads ("
              + numKeyValueHeads
              + ")");
    }
    if (headDim % 2 != 0)
      throw new IllegalArgumentException(
          "head_dim must be even for rotary embeddings, got " + headDim);
    if (!(rmsNormEps > 0))
      throw new IllegalArgumentException("rms_norm_eps must be > 0, got " + rmsNormEps);
    if (!(ropeTheta > 0))
      throw new IllegalArgumentException("rope_theta must be > 0, got " + ropeTheta);
  }

  private static void requirePositive(String key, int value) {
    if (value <= 0) throw new IllegalArgumentException(key + " must be > 0, got " + value);
  }

  /** Whether q/k/v projections carry a bias (always for Qwen2). */
  public boolean qkvBias() {
    return attentionBias || modelType.equals("qwen2");
  }

  /** Whether the output projection carries a bias (Llama with attention_bias only). */
  public boolean oBias() {
    return attentionBias && modelType.equals("llama");
  }

  /** Query heads that share one key/value head. */
  public int groupSize() {
    return numAttentionHeads / numKeyValueHeads;
  }

  /** Reads an HF {@code config.json}; errors name the file and the key. */
  public static LlamaConfig read(Path file) throws IOException {
    JsonObject json;
    try {
      json =
          JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
    } catch (RuntimeException e) {
      throw new IOException(file + ": not a JSON object: " + e.getMessage(), e);
    }
    try {
      return fromJson(json);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  static LlamaConfig fromJson(JsonObject json) {
    String modelType = string(json, "model_type", null);
    if (modelType == null)
      throw new IllegalArgumentException(
          "missing key 'model_type' (expected one of " + SUPPORTED_MODEL_TYPES + ")");
    JsonElement ropeScaling = json.get("rope_scaling");
    if (ropeScaling != null && !ropeScaling.isJsonNull()) {
      throw new IllegalArgumentException(
          "key 'rope_scaling' = "
              + ropeScaling
              + " is not implemented; only plain rotary embeddings (rope_scaling null) are supported");
    }
    int hidden = integer(json, "hidden_size", null);
    int heads = integer(json, "num_attention_heads", null);
    return new LlamaConfig(
        modelType,
        integer(json, "vocab_size", null),
        hidden,
        integer(json, "intermediate_size", null),
        integer(json, "num_hidden_layers", null),
        heads,
        integer(json, "num_key_value_heads", heads),
        integer(json, "head_dim", heads > 0 ? hidden / heads : 0),
        number(json, "rms_norm_eps", 1e-6),
        number(json, "rope_theta", 10000.0),
        integer(json, "max_position_embeddings", 2048),
        bool(json, "tie_word_embeddings", false),
        bool(json, "attention_bias", false),
        optionalInt(json, "bos_token_id"),
        optionalInt(json, "eos_token_id"),
        string(json, "torch_dtype", "float32"));
  }

  /** Writes this config as an HF {@code config.json} that transformers and vLLM load unchanged. */
  public void write(Path file) throws IOException {
    JsonObject json = new JsonObject();
    json.add(
        "architectures",
        new Gson()
            .toJsonTree(
                List.of(modelType.equals("qwen2") ? "Qwen2ForCausalLM" : "LlamaForCausalLM")));
    json.addProperty("model_type", modelType);
    json.addProperty("vocab_size", vocabSize);
    json.addProperty("hidden_size", hiddenSize);
    json.addProperty("intermediate_size", intermediateSize);
    json.addProperty("num_hidden_layers", numHiddenLayers);
    json.addProperty("num_attention_heads", numAttentionHeads);
    json.addProperty("num_key_value_heads", numKeyValueHeads);
    json.addProperty("head_dim", headDim);
    json.addProperty("hidden_act", "silu");
    json.addProperty("rms_norm_eps", rmsNormEps);
    json.addProperty("rope_theta", ropeTheta);
    json.add("rope_scaling", null);
    json.addProperty("max_position_embeddings", maxPositionEmbeddings);
    json.addProperty("tie_word_embeddings", tieWordEmbeddings);
    if (modelType.equals("llama")) json.addProperty("attention_bias", attentionBias);
    if (bosTokenId != null) json.addProperty("bos_token_id", bosTokenId);
    if (eosTokenId != null) json.addProperty("eos_token_id", eosTokenId);
    json.addProperty("torch_dtype", torchDtype);
    json.addProperty("use_cache", true);
    Files.writeString(
        file,
        new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(json) + "\n",
        StandardCharsets.UTF_8);
  }

  /** A copy that records a different storage dtype ({@code torch_dtype}). */
  public LlamaConfig withTorchDtype(String dtype) {
    return new LlamaConfig(
        modelType,
        vocabSize,
        hiddenSize,
        intermediateSize,
        numHiddenLayers,
        numAttentionHeads,
        numKeyValueHeads,
        headDim,
        rmsNormEps,
        ropeTheta,
        maxPositionEmbeddings,
        tieWordEmbeddings,
        attentionBias,
        bosTokenId,
        eosTokenId,
        dtype);
  }

  private static JsonElement present(JsonObject json, String key) {
    JsonElement e = json.get(key);
    return e == null || e.isJsonNull() ? null : e;
  }

  private static int integer(JsonObject json, String key, Integer fallback) {
    JsonElement e = present(json, key);
    if (e == null) {
      if (fallback == null)
        throw new IllegalArgumentException("missing required key '" + key + "'");
      return fallback;
    }
    return parse(e, key, "an integer", JsonElement::getAsInt);
  }

  /** HF allows a list of eos ids; the first is the one the generator stops on by default. */
  private static Integer optionalInt(JsonObject json, String key) {
    JsonElement e = present(json, key);
    if (e != null && e.isJsonArray())
      e = e.getAsJsonArray().isEmpty() ? null : e.getAsJsonArray().get(0);
    return e == null ? null : parse(e, key, "an integer", JsonElement::getAsInt);
  }

  private static double number(JsonObject json, String key, double fallback) {
    JsonElement e = present(json, key);
    return e == null ? fallback : parse(e, key, "a number", JsonElement::getAsDouble);
  }

  private static <T> T parse(
      JsonElement e, String key, String expected, Function<JsonElement, T> read) {
    try {
      return read.apply(e);
    } catch (RuntimeException ex) {
      throw new IllegalArgumentException("key '" + key + "' must be " + expected + ", got " + e);
    }
  }

  private static boolean bool(JsonObject json, String key, boolean fallback) {
    JsonElement e = present(json, key);
    if (e == null) return fallback;
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
      throw new IllegalArgumentException("key '" + key + "' must be true or false, got " + e);
    }
    return e.getAsBoolean();
  }

  private static String string(JsonObject json, String key, String fallback) {
    JsonElement e = present(json, key);
    return e == null ? fallback : e.getAsString();
  }
}
