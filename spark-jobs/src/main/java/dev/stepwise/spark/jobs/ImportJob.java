package dev.stepwise.spark.jobs;

import static org.apache.spark.sql.functions.col;

import dev.stepwise.importers.FieldMapping;
import dev.stepwise.importers.ImportSpec;
import dev.stepwise.importers.PromptBuilder;
import dev.stepwise.importers.RecordParser;
import dev.stepwise.importers.RejectedRow;
import dev.stepwise.importers.SourceFormat;
import dev.stepwise.importers.TextImporter;
import dev.stepwise.schemas.Datasets;
import dev.stepwise.spark.config.ImportConfig;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.RunLayout;
import dev.stepwise.spark.runtime.StageRunner;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.spark.runtime.TaskPlacement;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.CollectionAccumulator;
import scala.Tuple2;

/**
 * `stepwise import`: input files to the prompts dataset (and _rejected), one Spark task per file so
 * every line keeps its line number. The stage owns the (source, split) partitions of its files:
 * re-importing replaces them, other imports in the run stay.
 */
public final class ImportJob {

  /**
   * @param input a file or a directory (its files that the format accepts), any Hadoop URI
   * @param source prompts.source, null for the format's name
   * @param split prompts.split, null to read it from each file name
   * @param lang language, null to read it from the file name (MGSM) or use en
   * @param mapping input fields to columns, null for the format's fixed mapping
   * @param strict fail (and keep the run's prompts) when any row is rejected
   */
  public record Request(
      SourceFormat format,
      String input,
      String source,
      String split,
      String lang,
      FieldMapping mapping,
      boolean strict) {
    public Request(
        SourceFormat format,
        String input,
        String source,
        String split,
        String lang,
        FieldMapping mapping) {
      this(format, input, source, split, lang, mapping, false);
    }
  }

  /**
   * An import that failed after reading its input: nothing was imported, or rows were rejected
   * under --strict.
   */
  public static final class Refused extends StepwiseException {
    private final transient Result result;

    Refused(String message, Result result) {
      super(message);
      this.result = result;
    }

    public Result result() {
      return result;
    }
  }

  /**
   * @param counts imported rows per "split/lang", read back from the written Parquet
   * @param placements the distinct "executor=E gpu=G" the import tasks ran on
   */
  public record Result(
      String source,
      long imported,
      long rejected,
      Map<String, Long> counts,
      List<String> partitions,
      List<String> files,
      List<String> placements) {}

  private final SparkSession spark;
  private final RunLayout layout;
  private final DatasetIO io;
  private final StageRunner stages;
  private final ImportConfig config;

  @Inject
  public ImportJob(
      SparkSession spark, RunLayout layout, DatasetIO io, StageRunner stages, ImportConfig config) {
    this.spark = spark;
    this.layout = layout;
    this.io = io;
    this.stages = stages;
    this.config = config;
  }

  public Result run(Request request) {
    SourceFormat format = request.format();
    String source = request.source() != null ? request.source() : format.defaultSource();
    FieldMapping mapping = request.mapping() != null ? request.mapping() : format.defaultMapping();
    if (mapping == null)
      throw new StepwiseException(
          "import "
              + format.defaultSource()
              + " needs a column mapping: --map question=FIELD [--map gold=FIELD ...]");
    requireName("--source", source);
    Map<String, ImportSpec> specs = new LinkedHashMap<>();
    for (Path file : inputFiles(format, request.input())) {
      String name = file.getName();
      try {
        String split = format.splitOf(name, request.split());
        requireName("split", split);
        specs.put(
            file.toString(),
            new ImportSpec(
                source,
                split,
                format.langOf(name, request.lang()),
                mapping,
                config.limits(),
                format.parallelByLine(),
                format.solutions()));
      } catch (IllegalArgumentException e) {
        throw new StepwiseException(e.getMessage());
      }
    }
    List<String> files = List.copyOf(specs.keySet());
    return stages.run(
        "import/" + source,
        null,
        files,
        stage -> {
          Result result = importFiles(format, source, specs, request);
          stage.output(Datasets.PROMPTS, io.pathOf(Datasets.PROMPTS));
          stage.output(Datasets.REJECTED, io.pathOf(Datasets.REJECTED));
          stage.metric("imported", result.imported());
          stage.metric("rejected", result.rejected());
          stage.metric("counts", result.counts());
          stage.metric("partitions", result.partitions());
          stage.metric("task_placements", result.placements());
          return result;
        });
  }

  /**
   * The prompts are staged and swapped in only when the import succeeds, so a failed import leaves
   * the run's prompts as they were; its rejected rows are kept, they say why it failed.
   */
  private Result importFiles(
      SourceFormat format, String source, Map<String, ImportSpec> specs, Request request) {
    CollectionAccumulator<String> placements =
        spark.sparkContext().collectionAccumulator("import task placements");
    JavaRDD<ImportOutcome> outcomes =
        format == SourceFormat.PARQUET
            ? parquetOutcomes(specs, placements)
            : textOutcomes(format.parser(), specs, placements);
    outcomes.persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Set<String> splits = new TreeSet<>();
      specs.values().forEach(s -> splits.add(s.split()));
      Set<String> promptParts = new LinkedHashSet<>();
      Set<String> rejectedParts = new LinkedHashSet<>();
      for (String split : splits) {
        promptParts.add(DatasetIO.partition(Datasets.PROMPTS, source, split));
        rejectedParts.add(DatasetIO.partition(Datasets.REJECTED, Datasets.PROMPTS, source, split));
      }
      try (DatasetIO.Staged prompts =
          io.stage(
              Datasets.PROMPTS,
              spark.createDataFrame(
                  outcomes.filter(o -> o.prompt() != null).map(ImportOutcome::promptRow),
                  Datasets.get(Datasets.PROMPTS).sparkType()),
              promptParts)) {
        io.replacePartitions(
            Datasets.REJECTED,
            spark.createDataFrame(
                outcomes.filter(o -> o.rejected() != null).map(ImportOutcome::rejectedRow),
                Datasets.get(Datasets.REJECTED).sparkType()),
            rejectedParts);
        Result result = readBack(source, specs, prompts, new TreeSet<>(placements.value()));
        if (result.imported() == 0) {
          throw new Refused(
              "nothing was imported from "
                  + request.input()
                  + "; see the reasons in "
                  + layout.relative(io.pathOf(Datasets.REJECTED))
                  + " (the run's prompts are unchanged)",
              result);
        }
        if (request.strict() && result.rejected() > 0) {
          throw new Refused(
              result.rejected()
                  + " rows rejected and --strict is set (the run's prompts are unchanged;"
                  + " reasons in "
                  + layout.relative(io.pathOf(Datasets.REJECTED))
                  + ")",
              result);
        }
        prompts.commit();
        return result;
      }
    } finally {
      outcomes.unpersist();
    }
  }

  /**
   * Counts come from the Parquet just written (the staged prompts), never from the in-memory rows.
   */
  private Result readBack(
      String source,
      Map<String, ImportSpec> specs,
      DatasetIO.Staged prompts,
      Set<String> placements) {
    Set<String> splits = new TreeSet<>();
    specs.values().forEach(s -> splits.add(s.split()));
    Map<String, Long> counts = new TreeMap<>();
    for (Row r : prompts.read().groupBy("split", "lang").count().collectAsList()) {
      counts.put(r.getString(0) + "/" + r.getString(1), r.getLong(2));
    }
    long imported = counts.values().stream().mapToLong(Long::longValue).sum();
    long rejected =
        !io.exists(Datasets.REJECTED)
            ? 0
            : io.read(Datasets.REJECTED)
                .where(
                    col("dataset")
                        .equalTo(Datasets.PROMPTS)
                        .and(col("source").equalTo(source))
                        .and(col("split").isin(splits.toArray())))
                .count();
    return new Result(
        source,
        imported,
        rejected,
        counts,
        prompts.partitions(),
        List.copyOf(specs.keySet()),
        List.copyOf(placements));
  }

  /** One task per file; the parser and specs travel to the executors, the files are read there. */
  private JavaRDD<ImportOutcome> textOutcomes(
      RecordParser parser,
      Map<String, ImportSpec> specs,
      CollectionAccumulator<String> placements) {
    HashMap<String, ImportSpec> byPath = new HashMap<>();
    specs.forEach((file, spec) -> byPath.put(pathOnly(file), spec));
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    // binaryFiles packs small files into few splits, preferring their host; repartitioning the
    // (path, lazy stream) pairs gives one task per file, spread over every executor.
    return jsc.binaryFiles(String.join(",", specs.keySet()), specs.size())
        .repartition(specs.size())
        .flatMap(
            file -> {
              placements.add(TaskPlacement.current());
              ImportSpec spec = byPath.get(pathOnly(file._1()));
              byte[] bytes = file._2().toArray();
              return ImportOutcome.of(
                      TextImporter.parse(file._1(), bytes, parser, spec),
                      spec.source(),
                      spec.split())
                  .iterator();
            });
  }

  /**
   * Parquet: Spark reads the file; each row's fields become strings and go through the same checks.
   */
  private JavaRDD<ImportOutcome> parquetOutcomes(
      Map<String, ImportSpec> specs, CollectionAccumulator<String> placements) {
    List<JavaRDD<ImportOutcome>> parts = new ArrayList<>();
    for (var e : specs.entrySet()) {
      String file = e.getKey();
      ImportSpec spec = e.getValue();
      Dataset<Row> rows = spark.read().parquet(file);
      String[] columns = rows.columns();
      parts.add(
          rows.javaRDD()
              .zipWithIndex()
              .map(
                  (Tuple2<Row, Long> t) -> {
                    placements.add(TaskPlacement.current());
                    Map<String, String> fields = new LinkedHashMap<>();
                    for (int i = 0; i < columns.length; i++) {
                      if (!t._1().isNullAt(i))
                        fields.put(columns[i], String.valueOf(t._1().get(i)));
                    }
                    long line = t._2() + 1;
                    try {
                      return new ImportOutcome(
                          new PromptBuilder(spec).build(fields, line),
                          null,
                          spec.source(),
                          spec.split());
                    } catch (IllegalArgumentException ex) {
                      return new ImportOutcome(
                          null,
                          new RejectedRow(file, line, ex.getMessage(), fields.toString()),
                          spec.source(),
                          spec.split());
                    }
                  }));
    }
    return parts.stream().reduce(JavaRDD::union).orElseThrow();
  }

  private List<Path> inputFiles(SourceFormat format, String input) {
    try {
      Path path = new Path(input);
      FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(path)) throw new StepwiseException("input not found: " + input);
      FileStatus status = fs.getFileStatus(path);
      if (!status.isDirectory()) return List.of(fs.makeQualified(path));
      List<Path> files =
          Arrays.stream(fs.listStatus(path))
              .filter(FileStatus::isFile)
              .map(FileStatus::getPath)
              .filter(p -> format.accepts(p.getName()))
              .sorted()
              .toList();
      if (files.isEmpty())
        throw new StepwiseException("no " + format.defaultSource() + " input files in " + input);
      return files;
    } catch (IOException | IllegalArgumentException e) {
      throw new StepwiseException("cannot read input " + input + ": " + e.getMessage(), e);
    }
  }

  /**
   * Files are matched by path alone: the driver and executors may spell the URI differently
   * (file:/x, file:///x).
   */
  private static String pathOnly(String file) {
    return new Path(file).toUri().getPath();
  }

  /** Source and split become directory names, so keep them to safe characters. */
  private static void requireName(String what, String value) {
    if (!value.matches("[A-Za-z0-9_.-]+")) {
      throw new StepwiseException(
          what + " '" + value + "' may only contain letters, digits, '_', '.' and '-'");
    }
  }
}
