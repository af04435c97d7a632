package dev.stepwise.spark.cli;

import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import com.google.inject.Injector;
import dev.stepwise.schemas.Datasets;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.StepwiseException;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * `stepwise sql --run R "SELECT ..."`: Spark SQL over a run's datasets, one JSON object per result
 * row on stdout. Every dataset is a view named after it, empty until a stage writes it (prompts,
 * solutions, step_judgments, step_pairs, eval_results, ..., rejected), read through its schema
 * check like any stage reads it. Notebooks use it where DuckDB is not installed.
 */
@Command(
    name = "sql",
    mixinStandardHelpOptions = true,
    description = {
      "Run a Spark SQL query over the run's datasets and print the rows as JSON lines.",
      "Views: every dataset the run holds, by name (prompts, solutions, step_judgments, step_pairs,",
      "eval_results, translation_pairs, neuron_stats, search_traces, rejected); partition columns",
      "(round, source, split, ...) are ordinary columns. Example:",
      "  stepwise sql --run runs/demo \"SELECT round, avg(CAST(correct AS INT)) FROM eval_results GROUP BY round\""
    })
public final class SqlCommand implements Callable<Integer> {
  @Parameters(
      arity = "1..*",
      paramLabel = "QUERY",
      description = "The SQL query; several need --out.")
  List<String> queries;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description =
          "Write query i's rows to DIR/i.jsonl and its column names to "
              + "DIR/i.columns (i = 1, 2, ...) instead of stdout: several queries in one Spark session, as notebooks ask for them.")
  File out;

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Override
  public Integer call() throws IOException {
    Injector injector = common.injector();
    if (queries.size() > 1 && out == null) {
      throw new ParameterException(spec.commandLine(), "several queries need --out DIR");
    }
    SparkSession spark = injector.getInstance(SparkSession.class);
    List<String> views = registerViews(injector.getInstance(DatasetIO.class));
    if (out == null) {
      PrintWriter stdout = spec.commandLine().getOut();
      print(run(spark, queries.get(0), views), stdout);
      stdout.flush();
      return 0;
    }
    Files.createDirectories(out.toPath());
    for (int i = 0; i < queries.size(); i++) {
      Dataset<Row> result = run(spark, queries.get(i), views);
      try (PrintWriter file =
          new PrintWriter(Files.newBufferedWriter(out.toPath().resolve((i + 1) + ".jsonl")))) {
        print(result, file);
      }
      // The columns, so that a reader can build an empty result with the right columns.
      Files.writeString(
          out.toPath().resolve((i + 1) + ".columns"), String.join("\n", result.columns()) + "\n");
    }
    return 0;
  }

  private static Dataset<Row> run(SparkSession spark, String query, List<String> views) {
    try {
      return spark.sql(query);
    } catch (Exception e) {
      if (!(e instanceof AnalysisException)
          && !(e.getCause() instanceof AnalysisException)
          && !e.getClass().getSimpleName().contains("ParseException")) throw e;
      throw new StepwiseException(
          "query failed: "
              + e.getMessage().lines().findFirst().orElse("")
              + " (views: "
              + String.join(", ", views)
              + ")",
          e);
    }
  }

  /**
   * One JSON object per row; null columns stay in it, so every row has every column of the result.
   */
  private static void print(Dataset<Row> result, PrintWriter out) {
    Column row =
        to_json(
            struct(Arrays.stream(result.columns()).map(functions::col).toArray(Column[]::new)),
            Map.of("ignoreNullFields", "false"));
    for (Iterator<String> rows = result.select(row).as(Encoders.STRING()).toLocalIterator();
        rows.hasNext(); ) {
      out.println(rows.next());
    }
  }

  /**
   * A temp view per dataset; one the run has not written yet is empty, with its schema's columns.
   */
  static List<String> registerViews(DatasetIO io) {
    for (String name : Datasets.NAMES) {
      io.readIfAny(name).createOrReplaceTempView(name);
    }
    return Datasets.NAMES;
  }
}
