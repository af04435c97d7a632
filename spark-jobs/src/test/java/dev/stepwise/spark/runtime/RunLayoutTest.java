package dev.stepwise.spark.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stepwise.schemas.Datasets;
import dev.stepwise.schemas.SchemaMismatchException;
import dev.stepwise.spark.config.SparkConfig;
import dev.stepwise.spark.config.StepwiseConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunLayoutTest {
  @TempDir Path tmp;

  private static SparkSession spark() {
    return SessionFactory.create(
        new SparkConfig("local[2]", "test", false, 0, Duration.ofSeconds(1)));
  }

  private RunLayout layout() {
    return RunLayout.open(
        tmp.resolve("run").toString(), spark().sparkContext().hadoopConfiguration());
  }

  @Test
  void stagesAreRecordedPerNameAndRoundAndReplacedOnRerun() throws Exception {
    RunLayout layout = layout();
    StageRunner runner = new StageRunner(layout, StepwiseConfig.reference());
    runner.run(
        "dpo",
        1,
        List.of("data/step_pairs/round=1"),
        s -> {
          s.metric("loss", 0.5);
          return null;
        });
    runner.run(
        "dpo",
        2,
        List.of(),
        s -> {
          s.metric("loss", 0.4);
          return null;
        });
    runner.run(
        "dpo",
        1,
        List.of(),
        s -> {
          s.metric("loss", 0.3);
          return null;
        });
    assertThatThrownBy(
            () ->
                runner.run(
                    "eval",
                    1,
                    List.of(),
                    s -> {
                      throw new StepwiseException("boom");
                    }))
        .hasMessage("boom");

    List<StageRecord> stages = Manifest.parseStages(Files.readString(tmp.resolve("run/run.json")));
    assertThat(stages)
        .extracting(StageRecord::key)
        .containsExactly("dpo@round=1", "dpo@round=2", "eval@round=1");
    assertThat(stages.get(0).metrics()).containsEntry("loss", 0.3);
    assertThat(stages.get(2).status()).isEqualTo("failed");
    assertThat(stages.get(2).error()).isEqualTo("boom");
    assertThat(Files.readString(tmp.resolve("run/config.conf"))).contains("\"max_chars\"=8000");
    try (var files = Files.list(tmp.resolve("run"))) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));
    }
  }

  /**
   * The run's small files get no Hadoop .crc beside them (a killed write left its temporary's
   * checksum as a stray), and a checksum an older version wrote is not left to contradict the new
   * content. What a killed process left is removed when the run is next opened.
   */
  @Test
  void smallFilesAreWrittenWithoutChecksumFilesAndStraysAreRemovedOnOpen() throws Exception {
    RunLayout layout = layout();
    org.apache.hadoop.fs.Path config = layout.configConf();
    try (var out = layout.fs().create(config, true)) { // as versions before this one wrote it
      out.write("old".getBytes());
    }
    assertThat(tmp.resolve("run/.config.conf.crc")).exists();
    layout.writeAtomically(config, "new");
    layout.writeAtomically(layout.runJson(), "{}");
    assertThat(layout.readText(config)).isEqualTo("new");
    try (var files = Files.list(tmp.resolve("run"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("config.conf", "run.json");
    }

    for (String stray :
        List.of(".run.json.tmp-1", "..run.json.tmp-1.crc", "._probe-2", ".._probe-2.crc"))
      Files.writeString(tmp.resolve("run").resolve(stray), "");
    layout().cleanTemporaries();
    try (var files = Files.list(tmp.resolve("run"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("config.conf", "run.json");
    }
  }

  @Test
  void aStageThatFailsInsideASparkTaskIsRecordedFailedWithTheTasksCause() throws Exception {
    SparkSession spark = spark();
    StageRunner runner = new StageRunner(layout(), StepwiseConfig.reference());
    Throwable thrown =
        Assertions.catchThrowable(
            () ->
                runner.run(
                    "search",
                    1,
                    List.of(),
                    s -> {
                      spark
                          .range(4)
                          .javaRDD()
                          .foreach(
                              x -> {
                                if (x == 2)
                                  throw new IllegalStateException("bad row " + x + "\nsecond line");
                              });
                      return null;
                    }));
    assertThat(thrown).isInstanceOf(SparkException.class);
    StageRecord search = Manifest.parseStages(Files.readString(tmp.resolve("run/run.json"))).get(0);
    assertThat(search.status()).isEqualTo(StageRecord.FAILED);
    assertThat(search.finished()).isNotNull();
    assertThat(search.error()).isEqualTo("IllegalStateException: bad row 2");
  }

  /**
   * The states a kill inside a partition replacement leaves: journal written and nothing moved, the
   * old partition moved aside but the new one not in (where the two-rename swap lost the round),
   * the new one in but the old not deleted. The next reader finishes the replacement.
   */
  @Test
  void aReplacementKilledAtAnyPointIsFinishedByTheNextReader() throws Exception {
    SparkSession spark = spark();
    var schema = Datasets.get(Datasets.REJECTED).sparkType();
    Path root = tmp.resolve("run/data/_rejected");
    Path train = root.resolve("dataset=prompts/source=s/split=train");
    for (int renamesDone = 0; renamesDone <= 2; renamesDone++) {
      DatasetIO io = new DatasetIO(spark, layout());
      io.replacePartitions(
          Datasets.REJECTED,
          spark.createDataFrame(
              List.of(
                  RowFactory.create("prompts", "s", "train", "f", 1L, "bad", null),
                  RowFactory.create("prompts", "s", "test", "f", 2L, "bad", null)),
              schema),
          Set.of());
      DatasetIO.Staged staged =
          io.stage(
              Datasets.REJECTED,
              spark.createDataFrame(
                  List.of(
                      RowFactory.create("prompts", "s", "train", "g", 3L, "worse", null),
                      RowFactory.create("prompts", "s", "train", "g", 4L, "worse", null)),
                  schema),
              Set.of());
      Path fresh;
      try (var dirs = Files.list(root)) {
        fresh =
            dirs.filter(p -> p.getFileName().toString().startsWith("_tmp-"))
                .findFirst()
                .orElseThrow();
      }
      Path old = train.getParent().resolve("_old-killed");
      Files.writeString(
          root.resolve("_commit.json"),
          "{\"tmp\":\""
              + fresh.toUri()
              + "\",\"moves\":[{\"target\":\""
              + train.toUri()
              + "\",\"fresh\":\""
              + fresh.resolve("dataset=prompts/source=s/split=train").toUri()
              + "\",\"old\":\""
              + old.toUri()
              + "\"}]}");
      if (renamesDone >= 1) Files.move(train, old);
      if (renamesDone >= 2)
        Files.move(fresh.resolve("dataset=prompts/source=s/split=train"), train);
      // The process is killed here: staged is never committed nor closed.

      DatasetIO rerun = new DatasetIO(spark, layout());
      assertThat(rerun.read(Datasets.REJECTED).orderBy("line").collectAsList())
          .as("after %d renames", renamesDone)
          .extracting(r -> r.getLong(4))
          .containsExactly(2L, 3L, 4L);
      try (var left = Files.walk(root)) {
        assertThat(left.map(p -> p.getFileName().toString()))
            .noneMatch(
                n -> n.startsWith("_tmp-") || n.startsWith("_old-") || n.equals("_commit.json"));
      }
      staged.close();
      assertThat(rerun.read(Datasets.REJECTED).count()).isEqualTo(3);
    }
  }

  @Test
  void writesAreSchemaCheckedAndReplacePartitions() {
    SparkSession spark = spark();
    DatasetIO io = new DatasetIO(spark, layout());
    var schema = Datasets.get(Datasets.REJECTED).sparkType();
    Dataset<Row> two =
        spark.createDataFrame(
            List.of(
                RowFactory.create("prompts", "s", "train", "f", 1L, "bad", null),
                RowFactory.create("prompts", "s", "test", "f", 2L, "bad", null)),
            schema);
    io.replacePartitions(Datasets.REJECTED, two, Set.of());
    Dataset<Row> one =
        spark.createDataFrame(
            List.of(RowFactory.create("prompts", "s", "train", "g", 3L, "worse", "x")), schema);
    io.replacePartitions(Datasets.REJECTED, one, Set.of());
    assertThat(io.read(Datasets.REJECTED).orderBy("line").collectAsList())
        .extracting(r -> r.getLong(4))
        .containsExactly(2L, 3L);

    // An owned partition the stage leaves empty is cleared, not kept.
    io.replacePartitions(
        Datasets.REJECTED,
        spark.createDataFrame(List.of(), schema),
        Set.of(DatasetIO.partition(Datasets.REJECTED, "prompts", "s", "test")));
    assertThat(io.read(Datasets.REJECTED).count()).isEqualTo(1);

    Dataset<Row> wrong = two.withColumn("line", two.col("line").cast("string"));
    assertThatThrownBy(() -> io.replacePartitions(Datasets.REJECTED, wrong, Set.of()))
        .isInstanceOf(SchemaMismatchException.class)
        .hasMessageContaining("column 'line' has type string, expected bigint");
  }

  @Test
  void datasetsWrittenTogetherAreCommittedOnlyWhenAllWereWritten() throws Exception {
    SparkSession spark = spark();
    DatasetIO io = new DatasetIO(spark, layout());
    var schema = Datasets.get(Datasets.REJECTED).sparkType();
    Dataset<Row> first =
        spark.createDataFrame(
            List.of(RowFactory.create("prompts", "s", "train", "f", 1L, "bad", null)), schema);
    io.replacePartitions(Datasets.REJECTED, first, Set.of());
    Dataset<Row> second =
        spark.createDataFrame(
            List.of(RowFactory.create("prompts", "s", "train", "g", 2L, "worse", null)), schema);
    // step_pairs rows of the wrong schema: that write fails, so the good one is not committed.
    assertThatThrownBy(
            () -> writeTogether(io, Datasets.REJECTED, second, Datasets.STEP_PAIRS, second))
        .isInstanceOf(SchemaMismatchException.class);
    assertThat(io.read(Datasets.REJECTED).collectAsList())
        .extracting(r -> r.getLong(4))
        .containsExactly(1L);
    assertThat(layout().fs().listStatus(io.pathOf(Datasets.REJECTED)))
        .noneMatch(status -> status.getPath().getName().startsWith("_tmp-"));

    io.replacePartitions(List.of(new DatasetIO.Write(Datasets.REJECTED, second, Set.of())));
    assertThat(io.read(Datasets.REJECTED).collectAsList())
        .extracting(r -> r.getLong(4))
        .containsExactly(2L);
    assertThatThrownBy(() -> writeTogether(io, Datasets.REJECTED, second, Datasets.REJECTED, first))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("each dataset may be written once");
  }

  /** Two datasets written together, each owning no partitions beyond its rows'. */
  private static void writeTogether(
      DatasetIO io, String a, Dataset<Row> aRows, String b, Dataset<Row> bRows) {
    io.replacePartitions(
        List.of(new DatasetIO.Write(a, aRows, Set.of()), new DatasetIO.Write(b, bRows, Set.of())));
  }

  @Test
  void readingADatasetWithOtherTypesNamesTheColumn() {
    SparkSession spark = spark();
    RunLayout layout = layout();
    spark
        .createDataFrame(
            List.of(RowFactory.create("p1", 1)),
            new StructType().add("prompt_id", "string").add("step_index", "int"))
        .write()
        .parquet(layout.dataset(Datasets.STEP_PAIRS) + "/round=1");
    assertThatThrownBy(() -> new DatasetIO(spark, layout).read(Datasets.STEP_PAIRS))
        .isInstanceOf(SchemaMismatchException.class)
        .hasMessageContaining("column 'chosen' is missing (expected string)");
    assertThatThrownBy(() -> new DatasetIO(spark, layout).read(Datasets.SOLUTIONS))
        .hasMessageContaining("dataset 'solutions' has no data");
  }
}
