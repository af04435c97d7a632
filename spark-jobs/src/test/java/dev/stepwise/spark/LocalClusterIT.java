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
    for (List<String> stage : List.of(List.of("tasks"), List.of("sft"))) {
      LocalCluster.Result r = submitStage(stage, micro);
      assertThat(r.code()).as(r.output()).isZero();
    }
    // Each task gets a (simulated) GPU, but the engine is the CPU libtorch: the stage fails at its
    // first task with one line, where it used to run on the CPU without a word.
    LocalCluster.Result noCuda = submitStage(List.of("search", "--round", "1"), micro);
    assertThat(noCuda.code()).as(noCuda.output()).isEqualTo(1);
    String line =
        noCuda.output().lines().filter(l -> l.startsWith("stepwise: error: ")).findFirst().get();
    assertThat(line)
        .matches(
            "stepwise: error: executor [01] on \\S+ was assigned GPU [01] by Spark but its engine"
                + " cannot use CUDA \\(PyTorch 2\\.7\\.1, flavour cpu\\): give executors the CUDA"
                + " libtorch .*docs/gpu-cluster\\.md.*stepwise\\.device=cpu to run on the CPU");
    assertThat(stage(run, "search").status()).isEqualTo("failed");
    assertThat(stage(run, "search").error())
        .isEqualTo(line.substring("stepwise: error: ".length()));
    // stepwise.device = cpu is the explicit choice to ignore the assigned GPUs.
    List<String> onCpu = new ArrayList<>(micro);
    onCpu.addAll(List.of("--set", "stepwise.device=cpu"));
    LocalCluster.Result r = submitStage(List.of("search", "--round", "1"), onCpu);
    assertThat(r.code()).as(r.output()).isZero();
    // Every prompt searched, every candidate of every iteration recorded.
    assertThat(ParquetFiles.read(run.resolve("data/solutions/round=1"))).hasSize(4);
    assertThat(ParquetFiles.read(run.resolve("data/step_judgments/round=1"))).isNotEmpty();
    assertOnBothExecutors(stage(run, "search"));
  }

  @Test
  void doctorShowsEachExecutorsEngineAndGpuAndFailsWithoutCuda() throws Exception {
    LocalCluster.Result r = cluster.run("submit", "doctor");
    System.out.println(r.output()); // the closing note quotes this
    assertThat(r.code()).as(r.output()).isEqualTo(1);
    List<String> rows =
        r.output().lines().filter(l -> l.matches("[01] .*PyTorch 2\\.7\\.1 .*")).toList();
    // One row per executor, each with its own worker's GPU, the CPU flavour and no CUDA device.
    assertThat(rows).hasSize(2);
    assertThat(rows.stream().map(l -> l.split("\\s{2,}")))
        .allSatisfy(
            row ->
                assertThat(row)
                    .endsWith("PyTorch 2.7.1", "cpu", "no", "none", row[6], "1", "fails (below)"));
    assertThat(rows.stream().map(l -> l.split("\\s{2,}")[6])).containsExactlyInAnyOrder("0", "1");
    assertThat(r.output())
        .contains(
            "stepwise doctor: master spark://127.0.0.1:"
                + cluster.port()
                + ", stepwise.device = auto")
        .contains("stepwise: error: 2 of 2 executor(s) would fail a model stage (see above)");

    LocalCluster.Result cpu = cluster.run("submit", "doctor", "--set", "stepwise.device=cpu");
    System.out.println(cpu.output());
    assertThat(cpu.code()).as(cpu.output()).isZero();
    assertThat(cpu.output().lines().filter(l -> l.matches("[01] .* cpu\\(\\)"))).hasSize(2);
  }

  private static LocalCluster.Result submitStage(List<String> stage, List<String> options)
      throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("submit", "stage"));
    args.addAll(stage);
    args.addAll(options);
    return cluster.run(args.toArray(String[]::new));
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
