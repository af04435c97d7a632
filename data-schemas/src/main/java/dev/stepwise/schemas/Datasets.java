package dev.stepwise.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * The registry: dataset name to its schema. Every job reads and writes datasets through it, so a
 * schema lives in exactly one place, {@code schemas/<name>.avsc}.
 */
public final class Datasets {
  public static final String PROMPTS = "prompts";
  public static final String SOLUTIONS = "solutions";
  public static final String STEP_JUDGMENTS = "step_judgments";
  public static final String STEP_PAIRS = "step_pairs";
  public static final String TRANSLATION_PAIRS = "translation_pairs";
  public static final String EVAL_RESULTS = "eval_results";
  public static final String NEURON_STATS = "neuron_stats";
  public static final String SEARCH_TRACES = "search_traces";
  public static final String EDT_SAMPLES = "edt_samples";
  public static final String REJECTED = "rejected";

  public static final List<String> NAMES =
      List.of(
          PROMPTS,
          SOLUTIONS,
          STEP_JUDGMENTS,
          STEP_PAIRS,
          TRANSLATION_PAIRS,
          EVAL_RESULTS,
          NEURON_STATS,
          SEARCH_TRACES,
          EDT_SAMPLES,
          REJECTED);

  private static final Map<String, DatasetSchema> BY_NAME = load();

  private Datasets() {}

  public static DatasetSchema get(String name) {
    DatasetSchema schema = BY_NAME.get(name);
    if (schema == null) {
      throw new IllegalArgumentException(
          "unknown dataset '" + name + "'; known datasets: " + NAMES);
    }
    return schema;
  }

  private static Map<String, DatasetSchema> load() {
    Map<String, DatasetSchema> byName = new LinkedHashMap<>();
    for (String name : NAMES) {
      Schema avro = parse(name);
      byName.put(name, new DatasetSchema(name, avro, SparkTypes.structOf(avro), partitionBy(avro)));
    }
    return byName;
  }

  private static Schema parse(String name) {
    String resource = "/schemas/" + name + ".avsc";
    try (InputStream in = Datasets.class.getResourceAsStream(resource)) {
      if (in == null)
        throw new IllegalStateException(
            "schema resource " + resource + " is missing from the classpath");
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  /** The .avsc files name their Hive partition columns in a custom "partition_by" property. */
  @SuppressWarnings("unchecked")
  private static List<String> partitionBy(Schema avro) {
    Object prop = avro.getObjectProp("partition_by");
    List<String> columns = prop == null ? List.of() : List.copyOf((List<String>) prop);
    for (String column : columns) {
      if (avro.getField(column) == null) {
        throw new IllegalStateException(
            avro.getName() + ": partition column '" + column + "' is not a field");
      }
    }
    return columns;
  }
}
