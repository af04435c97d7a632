package dev.stepwise.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stepwise.spark.runtime.Manifest;
import dev.stepwise.spark.runtime.StageRecord;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real standalone cluster ({@link LocalCluster}: Master + two Workers with one simulated GPU
 * each, started by the same bin/local-cluster users run), and the -all.jar submitted to it through
 * SparkSubmit.
 */
class LocalClusterIT {
  private static LocalCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.start();
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.stop();
  }

  @Test
  void importRunsOnBothExecutorsWithDistinctGpus() throws Exception {
    Path run = cluster.dir("run");
    LocalCluster.Result r =
        cluster.run(
            "submit",
            "import",
            "mgsm",
            "--input",
            new File(Cli.sharedData(), "mgsm").getPath(),
            "--run",
            run.toString());
    assertThat(r.code()).as(r.output()).isZero();
    assertThat(r.output()).contains("import mgsm: 2500 imported, 0 rejected, from 10 file(s)");
    assertThat(ParquetFiles.read(run.resolve("data/prompts/source=mgsm/split=test"))).hasSize(2500);

    assertOnBothExecutors(stage(run, "import/mgsm"));
  }

  @Test
  void theSearchStageRunsOnBothExecutors() throws Exception {
    Path run = cluster.dir("search");
    List<String> micro =
        List.of(
            "--run",
            run.toString(),
            "--set",
            "stepwise.spark.min_executors=2",
            "--set",
            "stepwise.model.m1=" + Cli.tinyM1(),
            "--set",
            "stepwise.tasks.train_problems=16",
            "--set",
            "stepwise.tasks.eval_problems=1",
            "--set",
            "stepwise.tasks.eft_test_problems=4",
            "--set",
            "stepwise.search.prompts_per_round=4",
            "--set",
            "stepwise.search.partitions=2",
            "--set",
            "stepwise.search.candidates=3",
            "--set",
            "stepwise.search.max_iterations=3");
    for (List<String> stage :
        List.of(List.of("tasks"), List.of("sft"), List.of("search", "--round", "1"))) {
      List<String> args = new ArrayList<>(List.of("submit", "stage"));
      args.addAll(stage);
      args.addAll(micro);
      LocalCluster.Result r = cluster.run(args.toArray(String[]::new));
      assertThat(r.code()).as(r.output()).isZero();
    }
    // Every prompt searched, every candidate of every iteration recorded.
    assertThat(ParquetFiles.read(run.resolve("data/solutions/round=1"))).hasSize(4);
    assertThat(ParquetFiles.read(run.resolve("data/step_judgments/round=1"))).isNotEmpty();
    assertOnBothExecutors(stage(run, "search"));
  }

  private static StageRecord stage(Path run, String name) throws IOException {
    return Manifest.parseStages(Files.readString(run.resolve("run.json"))).stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static void assertOnBothExecutors(StageRecord stage) {
    @SuppressWarnings("unchecked")
    List<String> placements = (List<String>) stage.metrics().get("task_placements");
    // e.g. ["executor=0 gpu=1", "executor=1 gpu=0"]: two executors, each with its own worker's GPU.
    assertThat(placements).as(stage.name() + " task placements").hasSize(2);
    assertThat(placements.stream().map(p -> p.split(" ")[0]).distinct())
        .hasSize(2)
        .noneMatch(e -> e.equals("executor=driver"));
    assertThat(placements.stream().map(p -> p.split(" ")[1]).distinct())
        .hasSize(2)
        .allMatch(g -> g.matches("gpu=[01]"));
  }
}
