package dev.stepwise.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A JSON-lines input file read as objects, each remembering its line, so every later check can name
 * the file and line it failed on. Blank lines are skipped.
 */
public final class JsonlRows {
  /** One object and where it came from. */
  public record Row(Path file, int line, JsonObject json) {
    public String where() {
      return file + " line " + line;
    }

    public boolean has(String key) {
      return json.has(key) && !json.get(key).isJsonNull();
    }

    /** A required string field. */
    public String text(String key) {
      if (!has(key)
          || !json.get(key).isJsonPrimitive()
          || !json.getAsJsonPrimitive(key).isString()) {
        throw new IllegalArgumentException(where() + ": expected a string field \"" + key + "\"");
      }
      return json.get(key).getAsString();
    }

    /** A required non-empty array of token ids, each in [0, vocabSize). */
    public int[] ids(String key, int vocabSize) {
      JsonElement e = json.get(key);
      if (e == null || !e.isJsonArray() || e.getAsJsonArray().isEmpty()) {
        throw new IllegalArgumentException(
            where() + ": expected \"" + key + "\" to be a non-empty array of token ids");
      }
      JsonArray array = e.getAsJsonArray();
      int[] ids = new int[array.size()];
      for (int i = 0; i < ids.length; i++) {
        JsonElement v = array.get(i);
        if (!v.isJsonPrimitive()
            || !v.getAsJsonPrimitive().isNumber()
            || v.getAsDouble() != Math.rint(v.getAsDouble())
            || v.getAsInt() < 0
            || v.getAsInt() >= vocabSize) {
          throw new IllegalArgumentException(
              where()
                  + ": \""
                  + key
                  + "\"["
                  + i
                  + "] = "
                  + v
                  + " is not a token id in [0, "
                  + vocabSize
                  + ")");
        }
        ids[i] = v.getAsInt();
      }
      return ids;
    }
  }

  private JsonlRows() {}

  public static List<Row> read(Path file) {
    if (!Files.isRegularFile(file)) throw new IllegalArgumentException("input not found: " + file);
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) continue;
      JsonElement parsed;
      try {
        parsed = JsonParser.parseString(lines.get(i));
      } catch (JsonParseException e) {
        throw new IllegalArgumentException(
            file + " line " + (i + 1) + ": " + JsonSyntax.describe(e));
      }
      if (!parsed.isJsonObject())
        throw new IllegalArgumentException(file + " line " + (i + 1) + ": expected a JSON object");
      rows.add(new Row(file, i + 1, parsed.getAsJsonObject()));
    }
    if (rows.isEmpty()) throw new IllegalArgumentException(file + " holds no rows");
    return rows;
  }
}
