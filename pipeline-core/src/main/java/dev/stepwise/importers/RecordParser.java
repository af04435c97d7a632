package dev.stepwise.importers;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.stepwise.io.JsonSyntax;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads one line of a text format into its named fields, as strings. */
@FunctionalInterface
public interface RecordParser extends Serializable {

  /**
   * @throws IllegalArgumentException saying what is wrong with the line
   */
  Map<String, String> fields(String line);

  /**
   * One JSON object per line. String values as they are; other values as JSON text; nulls left out.
   */
  static RecordParser jsonLines() {
    return line -> {
      JsonElement parsed;
      try {
        parsed = JsonParser.parseString(line);
      } catch (JsonParseException e) {
        throw new IllegalArgumentException(JsonSyntax.describe(e));
      }
      if (!parsed.isJsonObject())
        throw new IllegalArgumentException("expected a JSON object, found " + kind(parsed));
      JsonObject object = parsed.getAsJsonObject();
      Map<String, String> fields = new LinkedHashMap<>();
      for (var e : object.entrySet()) {
        JsonElement v = e.getValue();
        if (v.isJsonNull()) continue;
        fields.put(
            e.getKey(),
            v.isJsonPrimitive() && v.getAsJsonPrimitive().isString()
                ? v.getAsString()
                : v.toString());
      }
      return fields;
    };
  }

  /** Tab-separated values without a header: exactly {@code columns.size()} columns per line. */
  static RecordParser tsv(List<String> columns) {
    List<String> names = List.copyOf(columns);
    return line -> {
      String[] values = line.split("\t", -1);
      if (values.length != names.size()) {
        throw new IllegalArgumentException(
            "expected "
                + names.size()
                + " tab-separated columns "
                + names
                + ", found "
                + values.length);
      }
      Map<String, String> fields = new LinkedHashMap<>();
      for (int i = 0; i < values.length; i++) fields.put(names.get(i), values[i]);
      return fields;
    };
  }

  private static String kind(JsonElement e) {
    return e.isJsonArray()
        ? "an array"
        : e.isJsonNull()
            ? "null"
            : "a " + e.getClass().getSimpleName().replace("Json", "").toLowerCase();
  }
}
