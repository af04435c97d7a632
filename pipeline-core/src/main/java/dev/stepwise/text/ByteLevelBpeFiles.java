package dev.stepwise.text;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a byte-level BPE tokenizer as HF files (tokenizer.json + tokenizer_config.json) that HF
 * tokenizers, transformers and DJL load unchanged. No normalizer (so any UTF-8 text round-trips
 * exactly), no post-processor (no special tokens are added implicitly).
 */
public final class ByteLevelBpeFiles {
  private static final Gson GSON =
      new GsonBuilder().serializeNulls().disableHtmlEscaping().setPrettyPrinting().create();

  /**
   * What goes into tokenizer_config.json.
   *
   * @param bosToken null when the model uses none (Qwen2 style)
   * @param chatTemplate a Jinja chat template, or null for none
   * @param modelMaxLength the context length the model was built for
   */
  public record Config(
      String eosToken, String padToken, String bosToken, String chatTemplate, int modelMaxLength) {}

  private ByteLevelBpeFiles() {}

  /**
   * Writes {@code dir/tokenizer.json} and {@code dir/tokenizer_config.json}; special tokens get ids
   * after the vocabulary.
   */
  public static void write(
      Path dir, BpeTrainer.BpeModel model, List<String> specialTokens, Config config) {
    for (String t : List.of(config.eosToken(), config.padToken()))
      if (!specialTokens.contains(t))
        throw new IllegalArgumentException("special token " + t + " is not in " + specialTokens);
    if (config.bosToken() != null && !specialTokens.contains(config.bosToken()))
      throw new IllegalArgumentException(
          "bos token " + config.bosToken() + " is not in " + specialTokens);

    JsonObject vocab = new JsonObject();
    for (int id = 0; id < model.tokens().size(); id++)
      vocab.addProperty(model.tokens().get(id), id);
    JsonArray merges = new JsonArray();
    model.merges().forEach(merges::add);
    JsonArray added = new JsonArray();
    JsonObject addedDecoder = new JsonObject();
    for (int i = 0; i < specialTokens.size(); i++) {
      int id = model.tokens().size() + i;
      JsonObject t = addedToken(specialTokens.get(i));
      JsonObject withId = new JsonObject();
      withId.addProperty("id", id);
      t.entrySet().forEach(e -> withId.add(e.getKey(), e.getValue()));
      added.add(withId);
      addedDecoder.add(Integer.toString(id), t);
    }

    JsonObject bpe = new JsonObject();
    bpe.addProperty("type", "BPE");
    bpe.add("dropout", JsonNull.INSTANCE);
    bpe.add("unk_token", JsonNull.INSTANCE);
    bpe.add("continuing_subword_prefix", JsonNull.INSTANCE);
    bpe.add("end_of_word_suffix", JsonNull.INSTANCE);
    bpe.addProperty("fuse_unk", false);
    bpe.addProperty("byte_fallback", false);
    bpe.add("vocab", vocab);
    bpe.add("merges", merges);

    JsonObject split = new JsonObject();
    split.addProperty("type", "Split");
    JsonObject regex = new JsonObject();
    regex.addProperty("Regex", BpeTrainer.SPLIT_PATTERN);
    split.add("pattern", regex);
    split.addProperty("behavior", "Isolated");
    split.addProperty("invert", false);
    JsonArray preTokenizers = new JsonArray();
    preTokenizers.add(split);
    preTokenizers.add(byteLevel());
    JsonObject preTokenizer = new JsonObject();
    preTokenizer.addProperty("type", "Sequence");
    preTokenizer.add("pretokenizers", preTokenizers);

    JsonObject tokenizer = new JsonObject();
    tokenizer.addProperty("version", "1.0");
    tokenizer.add("truncation", JsonNull.INSTANCE);
    tokenizer.add("padding", JsonNull.INSTANCE);
    tokenizer.add("added_tokens", added);
    tokenizer.add("normalizer", JsonNull.INSTANCE);
    tokenizer.add("pre_tokenizer", preTokenizer);
    tokenizer.add("post_processor", JsonNull.INSTANCE);
    tokenizer.add("decoder", byteLevel());
    tokenizer.add("model", bpe);

    JsonObject tokenizerConfig = new JsonObject();
    tokenizerConfig.addProperty("tokenizer_class", "PreTrainedTokenizerFast");
    tokenizerConfig.addProperty("add_bos_token", false);
    tokenizerConfig.addProperty("add_eos_token", false);
    tokenizerConfig.addProperty("bos_token", config.bosToken());
    tokenizerConfig.addProperty("eos_token", config.eosToken());
    tokenizerConfig.addProperty("pad_token", config.padToken());
    tokenizerConfig.add("unk_token", JsonNull.INSTANCE);
    tokenizerConfig.addProperty("model_max_length", config.modelMaxLength());
    tokenizerConfig.addProperty("clean_up_tokenization_spaces", false);
    tokenizerConfig.addProperty("chat_template", config.chatTemplate());
    tokenizerConfig.add("added_tokens_decoder", addedDecoder);

    try {
      Files.createDirectories(dir);
      Files.writeString(
          dir.resolve("tokenizer.json"), GSON.toJson(tokenizer), StandardCharsets.UTF_8);
      Files.writeString(
          dir.resolve("tokenizer_config.json"),
          GSON.toJson(tokenizerConfig),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write tokenizer files to " + dir, e);
    }
  }

  private static JsonObject addedToken(String content) {
    JsonObject t = new JsonObject();
    t.addProperty("content", content);
    t.addProperty("single_word", false);
    t.addProperty("lstrip", false);
    t.addProperty("rstrip", false);
    t.addProperty("normalized", false);
    t.addProperty("special", true);
    return t;
  }

  private static JsonObject byteLevel() {
    JsonObject b = new JsonObject();
    b.addProperty("type", "ByteLevel");
    b.addProperty("add_prefix_space", false);
    b.addProperty("trim_offsets", false);
    b.addProperty("use_regex", false);
    return b;
  }
}
