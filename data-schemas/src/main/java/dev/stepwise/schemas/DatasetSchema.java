package dev.stepwise.schemas;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * One dataset's contract: its Avro schema (the documented source of truth), the Spark type derived
 * from it, and the columns it is Hive-partitioned by.
 */
public record DatasetSchema(
    String name, Schema avro, StructType sparkType, List<String> partitionBy) {

  /**
   * Fails unless {@code found} has exactly this dataset's columns with the same types (nullability
   * is not compared: Parquet read back through Spark is always nullable).
   *
   * @param where the path or stage the data came from, named in the message
   */
  public void requireMatches(String where, StructType found) {
    Map<String, StructField> foundByName = byName(found);
    List<String> problems = new ArrayList<>();
    for (StructField expected : sparkType.fields()) {
      StructField actual = foundByName.remove(expected.name());
      if (actual == null) {
        problems.add(
            "column '"
                + expected.name()
                + "' is missing (expected "
                + expected.dataType().simpleString()
                + ")");
      } else if (!SparkTypes.sameIgnoringNullability(expected.dataType(), actual.dataType())) {
        problems.add(
            "column '"
                + expected.name()
                + "' has type "
                + actual.dataType().simpleString()
                + ", expected "
                + expected.dataType().simpleString());
      }
    }
    for (StructField extra : foundByName.values()) {
      problems.add(
          "column '"
              + extra.name()
              + "' ("
              + extra.dataType().simpleString()
              + ") is not in the "
              + name
              + " schema");
    }
    if (!problems.isEmpty()) {
      throw new SchemaMismatchException(
          "dataset '"
              + name
              + "' at "
              + where
              + " does not match "
              + name
              + ".avsc: "
              + String.join("; ", problems));
    }
  }

  private static Map<String, StructField> byName(StructType type) {
    return Arrays.stream(type.fields())
        .collect(
            Collectors.toMap(
                StructField::name, Function.identity(), (a, b) -> a, LinkedHashMap::new));
  }
}
