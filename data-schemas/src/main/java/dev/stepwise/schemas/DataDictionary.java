package dev.stepwise.schemas;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;

/**
 * Renders the data dictionary ({@code data-schemas/README.md}) from the .avsc files: every dataset,
 * its location and partitioning, every column with its type and meaning, and an example row. The
 * .avsc docs are the single source; a test fails when the committed file and this rendering
 * disagree.
 *
 * <p>Regenerate: {@code mvn -B -q -pl data-schemas -am test -Dstepwise.schemas.write=true
 * -Dtest=DataDictionaryTest -Dsurefire.failIfNoSpecifiedTests=false}
 */
public final class DataDictionary {
  private DataDictionary() {}

  public static String render() {
    StringBuilder md = new StringBuilder();
    md.append("# Data dictionary\n\n")
        .append("Every dataset stepwise reads or writes, generated from the Avro schemas in\n")
        .append(
            "`src/main/resources/schemas/` (do not edit by hand: see `DataDictionary`). All datasets\n")
        .append(
            "are zstd Parquet under `<run>/data/<dataset>/`, Hive-partitioned by the columns named below,\n")
        .append(
            "and are checked against their schema at every read and write. Nullable columns may be\n")
        .append(
            "null; all others are always set. Open them with Spark (`spark.read.parquet(\"<run>/data/step_pairs\")`),\n")
        .append(
            "DuckDB (`SELECT * FROM '<run>/data/step_pairs/*/*.parquet'`) or pandas (`pd.read_parquet`).\n\n");
    for (String name : Datasets.NAMES) {
      md.append("- [").append(name).append("](#").append(name).append(")\n");
    }
    for (String name : Datasets.NAMES) {
      md.append('\n').append(dataset(Datasets.get(name)));
    }
    return md.toString();
  }

  private static String dataset(DatasetSchema schema) {
    Schema avro = schema.avro();
    StringBuilder md = new StringBuilder();
    md.append("## ").append(schema.name()).append("\n\n").append(avro.getDoc()).append("\n\n");
    md.append("Partitioned by: ")
        .append(
            schema.partitionBy().isEmpty()
                ? "nothing"
                : schema.partitionBy().stream()
                    .map(c -> "`" + c + "`")
                    .collect(Collectors.joining(", ")))
        .append(".\n\n");
    md.append("| column | type | meaning |\n|---|---|---|\n");
    appendFields(md, avro, "");
    Object example = avro.getObjectProp("example");
    if (example != null) {
      md.append("\nExample row:\n\n```json\n").append(Json.pretty(example)).append("\n```\n");
    }
    return md.toString();
  }

  private static void appendFields(StringBuilder md, Schema record, String prefix) {
    for (Schema.Field f : record.getFields()) {
      md.append("| `")
          .append(prefix)
          .append(f.name())
          .append("` | ")
          .append(typeName(f.schema()))
          .append(" | ")
          .append(f.doc().replace("|", "\\|").replace("\n", " "))
          .append(" |\n");
      Schema element =
          f.schema().getType() == Schema.Type.ARRAY ? f.schema().getElementType() : null;
      if (element != null && element.getType() == Schema.Type.RECORD) {
        appendFields(md, element, prefix + f.name() + "[].");
      }
    }
  }

  /** Spark SQL's spelling of the column type, with "nullable" where the Avro type is [null, T]. */
  static String typeName(Schema s) {
    if (s.getType() == Schema.Type.UNION) {
      Schema nonNull =
          s.getTypes().stream()
              .filter(t -> t.getType() != Schema.Type.NULL)
              .findFirst()
              .orElseThrow();
      return typeName(nonNull) + ", nullable";
    }
    return switch (s.getType()) {
      case ARRAY -> "array&lt;" + typeName(s.getElementType()) + "&gt;";
      case MAP -> "map&lt;string, " + typeName(s.getValueType()) + "&gt;";
      case RECORD -> "struct";
      case ENUM -> "string";
      default -> s.getType().getName();
    };
  }

  /** Writes the dictionary to {@code target}; used to regenerate the committed README. */
  public static void write(Path target) throws IOException {
    Files.writeString(target, render(), StandardCharsets.UTF_8);
  }

  /** Minimal JSON pretty-printer for the example rows Avro hands back as maps and lists. */
  private static final class Json {
    static String pretty(Object value) {
      StringBuilder out = new StringBuilder();
      write(out, value, "");
      return out.toString();
    }

    private static void write(StringBuilder out, Object value, String indent) {
      if (value instanceof Map<?, ?> map) {
        if (map.isEmpty()) {
          out.append("{}");
          return;
        }
        out.append("{\n");
        int i = 0;
        for (var e : map.entrySet()) {
          out.append(indent).append("  ").append(quote(String.valueOf(e.getKey()))).append(": ");
          write(out, e.getValue(), indent + "  ");
          out.append(++i < map.size() ? ",\n" : "\n");
        }
        out.append(indent).append('}');
      } else if (value instanceof List<?> list) {
        out.append('[');
        for (int i = 0; i < list.size(); i++) {
          if (i > 0) out.append(", ");
          write(out, list.get(i), indent);
        }
        out.append(']');
      } else if (value instanceof String s) {
        out.append(quote(s));
      } else if (value == null || value == JsonProperties.NULL_VALUE) {
        out.append("null");
      } else {
        out.append(value);
      }
    }

    private static String quote(String s) {
      StringBuilder q = new StringBuilder("\"");
      for (char c : s.toCharArray()) {
        switch (c) {
          case '"' -> q.append("\\\"");
          case '\\' -> q.append("\\\\");
          case '\n' -> q.append("\\n");
          case '\t' -> q.append("\\t");
          default -> q.append(c);
        }
      }
      return q.append('"').toString();
    }
  }
}
