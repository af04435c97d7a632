package dev.stepwise.spark.jobs.search;

import dev.stepwise.search.LabelledSolution;
import dev.stepwise.spark.runtime.StepwiseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.collection.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Step-labelled solutions in the PRM800K / Math-Shepherd style from a JSONL or Parquet file (any
 * Hadoop URI): {@code question}, {@code steps} (an array of step texts), {@code labels} (one per
 * step: true/false, 1/0, or "+"/"-"; optional for scoring), optional {@code id}, {@code lang} and
 * {@code checks} (per step, the line a PRM is taught to write before its verdict).
 */
public final class LabelledFiles {

  private LabelledFiles() {}

  /**
   * @param requireLabels whether a row without labels is an error (training), or read unlabelled
   *     (scoring)
   */
  public static List<LabelledSolution> read(
      SparkSession spark, String file, boolean requireLabels) {
    Dataset<Row> rows;
    try {
      rows = file.endsWith(".parquet") ? spark.read().parquet(file) : spark.read().json(file);
    } catch (RuntimeException e) {
      throw new StepwiseException("cannot read " + file + ": " + e.getMessage(), e);
    }
    List<String> columns = List.of(rows.columns());
    if (columns.contains("_corrupt_record"))
      throw new StepwiseException(file + " has lines that are not JSON objects");
    List<String> needed =
        requireLabels ? List.of("question", "steps", "labels") : List.of("question", "steps");
    for (String c : needed)
      if (!columns.contains(c))
        throw new StepwiseException(
            file
                + " has no column '"
                + c
                + "'; step-labelled solutions need question, steps (array) and labels (one per"
                + " step: true/false, 1/0 or \"+\"/\"-\")");
    List<LabelledSolution> out = new ArrayList<>();
    List<Row> collected = rows.collectAsList();
    for (int i = 0; i < collected.size(); i++) {
      Row r = collected.get(i);
      String where = file + " row " + (i + 1);
      String question = r.getAs("question");
      if (question == null || question.isBlank())
        throw new StepwiseException(where + ": 'question' is missing or empty");
      List<String> steps = strings(r, "steps", where);
      List<Boolean> labels = new ArrayList<>();
      if (columns.contains("labels") && !r.isNullAt(r.fieldIndex("labels"))) {
        for (Object v : CollectionConverters.asJava(r.<Seq<Object>>getAs("labels")))
          labels.add(label(v, where));
      } else if (requireLabels) {
        throw new StepwiseException(where + ": 'labels' is missing");
      }
      String id =
          columns.contains("id") && !r.isNullAt(r.fieldIndex("id"))
              ? String.valueOf((Object) r.getAs("id"))
              : "row-" + (i + 1);
      String lang =
          columns.contains("lang") && !r.isNullAt(r.fieldIndex("lang")) ? r.getAs("lang") : "en";
      try {
        List<String> checks =
            columns.contains("checks") && !r.isNullAt(r.fieldIndex("checks"))
                ? strings(r, "checks", where)
                : List.of();
        out.add(new LabelledSolution(id, lang, question, steps, labels, checks));
      } catch (IllegalArgumentException e) {
        throw new StepwiseException(where + ": " + e.getMessage(), e);
      }
    }
    if (out.isEmpty()) throw new StepwiseException(file + " has no rows");
    return out;
  }

  private static List<String> strings(Row r, String column, String where) {
    if (r.isNullAt(r.fieldIndex(column)) || !(r.get(r.fieldIndex(column)) instanceof Seq<?>))
      throw new StepwiseException(where + ": '" + column + "' must be an array of strings");
    List<String> out = new ArrayList<>();
    for (Object v : CollectionConverters.asJava(r.<Seq<Object>>getAs(column))) {
      if (!(v instanceof String s) || s.isBlank())
        throw new StepwiseException(where + ": '" + column + "' holds an empty or non-text step");
      out.add(s);
    }
    if (out.isEmpty()) throw new StepwiseException(where + ": '" + column + "' is empty");
    return out;
  }

  static boolean label(Object v, String where) {
    if (v instanceof Boolean b) return b;
    if (v instanceof Number n && (n.doubleValue() == 0 || n.doubleValue() == 1))
      return n.doubleValue() == 1;
    if (v instanceof String s) {
      switch (s.strip().toLowerCase(Locale.ROOT)) {
        case "+", "1", "true", "correct", "positive" -> {
          return true;
        }
        case "-", "0", "false", "wrong", "negative", "incorrect" -> {
          return false;
        }
        default -> {}
      }
    }
    throw new StepwiseException(where + ": label " + v + " is not true/false, 1/0 or \"+\"/\"-\"");
  }
}
