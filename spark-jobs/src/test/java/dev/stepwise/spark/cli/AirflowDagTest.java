package dev.stepwise.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.spark.Cli;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * airflow/stepwise_dag.py, checked for real with python3: it compiles, the task graph it builds
 * (against a stand-in of the airflow package, as Debian has no Airflow) is the loop's plan from
 * `stepwise stages --json`, and every task's arguments pass `stepwise stage --dry-run`.
 */
class AirflowDagTest {
  private static final File ROOT = projectRoot();
  private static final File DAG = new File(ROOT, "airflow/stepwise_dag.py");
  private static final File COMMITTED_PLAN = new File(ROOT, "airflow/stepwise_plan.json");

  @TempDir Path tmp;

  @Test
  void dagFileCompiles() throws Exception {
    Process p =
        new ProcessBuilder("python3", "-m", "py_compile", DAG.getPath())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }

  @Test
  void committedPlanIsTheLoopsPlanForTheDefaultConfig() throws Exception {
    Cli.Result stages = Cli.runLocal("stages", "--json");
    assertThat(stages.exitCode()).as(stages.err()).isZero();
    assertThat(JsonParser.parseString(Files.readString(COMMITTED_PLAN.toPath())))
        .as(
            "airflow/stepwise_plan.json is stale: regenerate with bin/stepwise stages --json > airflow/stepwise_plan.json")
        .isEqualTo(JsonParser.parseString(stages.out()));
  }

  @Test
  void dagTasksAreTheLoopsStagesInOrderAndEveryTaskPassesDryRun() throws Exception {
    // The demo's config: two rounds and alignment after sft.
    Cli.Result stages =
        Cli.runLocal("stages", "--json", "--config", new File(ROOT, "conf/demo.conf").getPath());
    assertThat(stages.exitCode()).as(stages.err()).isZero();
    Path plan = tmp.resolve("plan.json");
    Files.writeString(plan, stages.out());
    String runDir = tmp.resolve("run").toString();
    String configFile = new File(ROOT, "conf/demo.conf").getPath();
    JsonObject dag = renderDag(plan, "run_dir=" + runDir, "config_file=" + configFile);

    JsonArray planned =
        JsonParser.parseString(stages.out()).getAsJsonObject().getAsJsonArray("stages");
    JsonArray tasks = dag.getAsJsonArray("tasks");
    assertThat(tasks.size()).isEqualTo(planned.size()).isEqualTo(14);
    List<String> taskIds = new ArrayList<>();
    for (int i = 0; i < tasks.size(); i++) {
      JsonObject task = tasks.get(i).getAsJsonObject();
      JsonObject stage = planned.get(i).getAsJsonObject();
      taskIds.add(task.get("task_id").getAsString());
      assertThat(task.get("task_id")).isEqualTo(stage.get("task_id"));
      assertThat(task.get("upstream")).isEqualTo(stage.get("upstream"));
      assertThat(task.get("java_class").getAsString()).isEqualTo("dev.stepwise.spark.Main");
      assertThat(task.get("retries").getAsInt()).isPositive();
      assertThat(task.get("max_active_runs").getAsInt()).isEqualTo(1);
      String properties = task.get("properties_file").getAsString();
      String name = stage.get("stage").getAsString();
      assertThat(properties)
          .endsWith(
              name.equals("tasks") || name.equals("pairs") ? "spark-cpu.conf" : "spark-gpu.conf");

      List<String> args = new ArrayList<>();
      for (JsonElement a : task.getAsJsonArray("application_args")) args.add(a.getAsString());
      assertThat(args)
          .containsSubsequence("--run", runDir)
          .containsSubsequence("--config", configFile);
      args.add("--dry-run");
      Cli.Result dry = Cli.runLocal(args.toArray(String[]::new));
      assertThat(dry.exitCode()).as(args + ": " + dry.err()).isZero();
      assertThat(dry.out()).contains("valid");
    }
    assertThat(taskIds)
        .containsExactly(
            "tasks",
            "sft",
            "eval_r1",
            "align_r1",
            "search_r1",
            "pairs_r1",
            "ref_r1",
            "dpo_r1",
            "eval_r2",
            "search_r2",
            "pairs_r2",
            "ref_r2",
            "dpo_r2",
            "eval_r3");
    assertThat(new File(runDir)).as("--dry-run runs nothing").doesNotExist();
  }

  @Test
  void dryRunRefusesAStageOutsideThePlanAndAnUnknownStage() {
    Cli.Result late = Cli.runLocal("stage", "search", "--round", "9", "--dry-run");
    assertThat(late.exitCode()).isEqualTo(1);
    assertThat(late.err()).contains("search (round 9) is not in this configuration's plan");
    Cli.Result unknown = Cli.runLocal("stage", "serch", "--round", "1", "--dry-run");
    assertThat(unknown.exitCode()).as("bad usage").isEqualTo(2);
    assertThat(unknown.err()).contains("unknown stage 'serch'");
    Cli.Result noRound = Cli.runLocal("stage", "pairs", "--dry-run");
    assertThat(noRound.exitCode()).isEqualTo(2);
    assertThat(noRound.err()).contains("needs --round");
  }

  private JsonObject renderDag(Path plan, String... params) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of("python3", Cli.resource("airflow-standin/render_dag.py"), DAG.getPath()));
    command.addAll(List.of(params));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("PYTHONPATH", Cli.resource("airflow-standin"));
    pb.environment().put("STEPWISE_PLAN", plan.toString());
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("render_dag.py failed: " + out).isZero();
    return JsonParser.parseString(out).getAsJsonObject();
  }

  private static File projectRoot() {
    for (File dir = new File("").getAbsoluteFile(); dir != null; dir = dir.getParentFile()) {
      if (new File(dir, "airflow/stepwise_dag.py").isFile()) return dir;
    }
    throw new IllegalStateException(
        "airflow/stepwise_dag.py not found above " + new File("").getAbsolutePath());
  }
}
