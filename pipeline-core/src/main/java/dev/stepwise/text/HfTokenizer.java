package dev.stepwise.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Any HF tokenizer directory ({@code tokenizer.json}, optionally {@code tokenizer_config.json} and
 * {@code chat_template.jinja}) behind DJL's {@link HuggingFaceTokenizer}. Encoding never truncates
 * (HF would cut at 512 tokens) and never adds special tokens; special-token strings in the text
 * (e.g. {@code <|im_end|>} from a chat template) become their ids. Thread-safe.
 */
public final class HfTokenizer implements AutoCloseable {
  private final HuggingFaceTokenizer tokenizer;
  private final Map<String, Integer> vocab;
  private final int vocabSize;
  private final SpecialTokens specialTokens;
  private final ChatTemplate chatTemplate;

  private HfTokenizer(
      HuggingFaceTokenizer tokenizer,
      Map<String, Integer> vocab,
      SpecialTokens specialTokens,
      ChatTemplate chatTemplate) {
    this.tokenizer = tokenizer;
    this.vocab = vocab;
    this.vocabSize = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    this.specialTokens = specialTokens;
    this.chatTemplate = chatTemplate;
  }

  /**
   * Loads {@code dir/tokenizer.json} and, when present, {@code dir/tokenizer_config.json} and
   * {@code dir/chat_template.jinja}.
   */
  public static HfTokenizer load(Path dir) {
    Path tokenizerJson = dir.resolve("tokenizer.json");
    if (!Files.isRegularFile(tokenizerJson))
      throw new IllegalArgumentException(
          "no tokenizer.json in " + dir + ": point at an HF model or tokenizer directory");
    Map<String, Integer> vocab = readVocab(tokenizerJson);
    JsonObject config = readJson(dir.resolve("tokenizer_config.json"));
    String bos = tokenContent(config, "bos_token");
    String eos = tokenContent(config, "eos_token");
    String pad = tokenContent(config, "pad_token");
    SpecialTokens special =
        new SpecialTokens(
            idOf(vocab, bos, "bos_token"),
            idOf(vocab, eos, "eos_token"),
            idOf(vocab, pad, "pad_token"));
    ChatTemplate template = new ChatTemplate(readChatTemplate(dir, config), bos, eos);
    try (InputStream in = Files.newInputStream(tokenizerJson)) {
      HuggingFaceTokenizer djl =
          HuggingFaceTokenizer.newInstance(
              in,
              Map.of(
                  "addSpecialTokens",
                  "false",
                  "truncation",
                  "false",
                  "padding",
                  "false",
                  "maxLength",
                  "-1"));
      return new HfTokenizer(djl, vocab, special, template);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + tokenizerJson, e);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "HF tokenizers rejected " + tokenizerJson + ": " + e.getMessage(), e);
    }
  }

  /** Token ids of the text, no special tokens added, never truncated. */
  public int[] encode(String text) {
    long[] ids = tokenizer.encode(text, false, false).getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) out[i] = (int) ids[i];
    return out;
  }

  /** The exact text of the ids, special tokens included. */
  public String decode(int[] ids) {
    return decode(ids, false);
  }

  public String decode(int[] ids, boolean skipSpecialTokens) {
    long[] longs = new long[ids.length];
    for (int i = 0; i < ids.length; i++) longs[i] = ids[i];
    return tokenizer.decode(longs, skipSpecialTokens);
  }

  /**
   * Number of token ids the tokenizer can produce (highest id + 1); a model's embedding may be
   * larger.
   */
  public int vocabSize() {
    return vocabSize;
  }

  public SpecialTokens specialTokens() {
    return specialTokens;
  }

  /** The id of a vocabulary or added token, if the tokenizer has it. */
  public OptionalInt tokenId(String token) {
    Integer id = vocab.get(token);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  public ChatTemplate chatTemplate() {
    return chatTemplate;
  }

  /** Renders messages with the tokenizer's chat template (plain format when it has none). */
  public String applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt) {
    return chatTemplate.render(messages, addGenerationPrompt);
  }

  @Override
  public void close() {
    tokenizer.close();
  }

  private static Map<String, Integer> readVocab(Path tokenizerJson) {
    JsonObject json = readJson(tokenizerJson);
    Map<String, Integer> vocab = new HashMap<>();
    JsonElement model = json.get("model");
    if (model != null
        && model.isJsonObject()
        && model.getAsJsonObject().get("vocab") instanceof JsonObject v)
      v.entrySet().forEach(e -> vocab.put(e.getKey(), e.getValue().getAsInt()));
    if (json.get("added_tokens") != null && json.get("added_tokens").isJsonArray())
      json.getAsJsonArray("added_tokens")
          .forEach(
              t ->
                  vocab.put(
                      t.getAsJsonObject().get("content").getAsString(),
                      t.getAsJsonObject().get("id").getAsInt()));
    if (vocab.isEmpty())
      throw new IllegalArgumentException(
          tokenizerJson + " has neither model.vocab nor added_tokens: not an HF tokenizer.json?");
    return vocab;
  }

  private static JsonObject readJson(Path file) {
    if (!Files.isRegularFile(file)) return new JsonObject();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      JsonElement e = JsonParser.parseReader(r);
      if (!e.isJsonObject()) throw new IllegalArgumentException(file + ": expected a JSON object");
      return e.getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (JsonParseException e) {
      throw new IllegalArgumentException(file + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  /**
   * A special token in tokenizer_config.json is a string, an AddedToken object with "content", or
   * null.
   */
  private static String tokenContent(JsonObject config, String key) {
    JsonElement e = config.get(key);
    if (e == null || e.isJsonNull()) return null;
    if (e.isJsonPrimitive()) return e.getAsString();
    if (e.isJsonObject() && e.getAsJsonObject().has("content"))
      return e.getAsJsonObject().get("content").getAsString();
    throw new IllegalArgumentException(
        "tokenizer_config.json key " + key + ": expected a string or {\"content\": ...}, got " + e);
  }

  private static OptionalInt idOf(Map<String, Integer> vocab, String token, String key) {
    if (token == null) return OptionalInt.empty();
    Integer id = vocab.get(token);
    if (id == null)
      throw new IllegalArgumentException(
          "tokenizer_config.json "
              + key
              + " \""
              + token
              + "\" is not in tokenizer.json's vocab or added_tokens");
    return OptionalInt.of(id);
  }

  /**
   * chat_template is a string, a list of {name, template} (the "default" one is used), or a
   * chat_template.jinja file.
   */
  private static String readChatTemplate(Path dir, JsonObject config) {
    JsonElement e = config.get("chat_template");
    if (e != null && e.isJsonPrimitive()) return e.getAsString();
    if (e != null && e.isJsonArray()) {
      for (JsonElement named : e.getAsJsonArray())
        if ("default".equals(named.getAsJsonObject().get("name").getAsString()))
          return named.getAsJsonObject().get("template").getAsString();
      throw new IllegalArgumentException(
          "tokenizer_config.json chat_template is a list without a \"default\" entry");
    }
    Path jinja = dir.resolve("chat_template.jinja");
    try {
      return Files.isRegularFile(jinja) ? Files.readString(jinja, StandardCharsets.UTF_8) : null;
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot read " + jinja, ex);
    }
  }
}
