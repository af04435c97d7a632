package dev.stepwise.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.stepwise.spark.runtime.Manifest;
import dev.stepwise.spark.runtime.StageRecord;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults a user meets, on real driver processes (bin/stepwise): kill -9 of the driver during the
 * search, during ref and during dpo, two drivers on one run, kill -9 of an executor of the loopback
 * standalone cluster during the search, a damaged training checkpoint, and a read-only partition.
 * After each, the command that follows must end with the same rows as an undisturbed run of the
 * same seed, and no temporary or checksum file may be left. Prints a table of what it checked.
 */
class FaultsIT {
  private static final File ROOT = new File("..").getAbsoluteFile().toPath().normalize().toFile();
  private static final List<String> DATASETS =
      List.of(
          "solutions/round=1",
          "step_judgments/round=1",
          "step_pairs/round=1",
          "eval_results/round=1");
  private static final List<String> SEARCHED =
      List.of("solutions/round=1", "step_judgments/round=1");
  // Small, but enough prompts and candidates that the round makes pairs for ref to score.
  private static final List<String> MICRO = new ArrayList<>();

  static {
    for (String kv :
        List.of(
            "stepwise.model.m1=" + Cli.tinyM1(),
            "stepwise.tasks.languages=[en]",
            "stepwise.tasks.train_problems=24",
            "stepwise.tasks.eval_problems=2",
            "stepwise.tasks.eft_test_problems=4",
            "stepwise.loop.rounds=1",
            "stepwise.search.prompts_per_round=16",
            "stepwise.search.candidates=6",
            "stepwise.search.max_iterations=6",
            "stepwise.sampling.temperature=1.0",
            "stepwise.dpo.epochs=1",
            "stepwise.dpo.batch_size=4",
            "stepwise.eval.max_new_tokens=24")) {
      MICRO.add("--set");
      MICRO.add(kv);
    }
  }

  private static final List<String> TABLE = new ArrayList<>();
  @TempDir static Path tmp;
  private static Path undisturbed;

  @BeforeAll
  static void runUndisturbed() throws Exception {
    undisturbed = tmp.resolve("undisturbed");
    Driver d = Driver.start(undisturbed);
    assertThat(d.finish()).as(d.output()).isZero();
    assertThat(stage(undisturbed, "pairs@round=1").metrics().get("pairs"))
        .as("pairs to score")
        .isNotEqualTo(0L);
    TABLE.add("| fault | stage | rows compared | result |");
    TABLE.add("|---|---|---|---|");
  }

  @AfterAll
  static void printTable() {
    System.out.println(String.join("\n", TABLE));
  }

  /**
   * One run killed three times: during the search, then (on the rerun) during ref, which rewrites
   * the pairs it reads, then during dpo.
   */
  @Test
  void killedDuringSearchAndThenDuringRefTheRerunsEndWithTheSameRows() throws Exception {
    Path run = tmp.resolve("killed");
    Driver.start(run).killAfter("> search (round 1)", 1500);
    assertThat(stage(run, "search@round=1").status()).isEqualTo(StageRecord.RUNNING);
    assertThat(checksumStrays(run)).as("left by the kill").isEmpty();

    Driver rerun = Driver.start(run);
    rerun.killAfter("> ref (round 1)", 300);
    assertThat(rerun.output()).contains("which is no longer running; taking over");
    assertThat(checksumStrays(run)).as("left by the kill").isEmpty();
    assertThat(stage(run, "search@round=1").status()).isEqualTo(StageRecord.SUCCEEDED);
    boolean journal = Files.exists(run.resolve("data/step_pairs/_commit.json"));

    Driver third = Driver.start(run);
    third.killAfter("> dpo (round 1)", 1000);
    assertThat(stage(run, "ref@round=1").status()).isEqualTo(StageRecord.SUCCEEDED);
    assertThat(stage(run, "dpo@round=1").status()).isEqualTo(StageRecord.RUNNING);
    assertThat(checksumStrays(run)).as("left by the kill").isEmpty();

    Driver last = Driver.start(run);
    assertThat(last.finish()).as(last.output()).isZero();
    assertThat(stage(run, "ref@round=1").metrics().get("pairs"))
        .isEqualTo(stage(run, "pairs@round=1").metrics().get("pairs"));
    // DPO restarts from M1 and trains deterministically: the same M2, to the byte.
    assertThat(stage(run, "dpo@round=1").metrics())
        .as("dpo metrics after a kill -9 in dpo")
        .isEqualTo(stage(undisturbed, "dpo@round=1").metrics());
    Path m2 = Path.of("checkpoints/round=2/model.safetensors");
    assertThat(Files.readAllBytes(run.resolve(m2)))
        .as("M2 after a kill -9 in dpo")
        .isEqualTo(Files.readAllBytes(undisturbed.resolve(m2)));
    List<String> datasets = new ArrayList<>(DATASETS);
    datasets.add("eval_results/round=2");
    compare(
        "kill -9 of the driver in search, then in ref"
            + (journal ? " (inside the partition swap)" : "")
            + ", then in dpo (M2 byte-identical)",
        "search, ref, dpo",
        run,
        datasets);
  }

  @Test
  void aSecondDriverIsRefusedAndTheFirstsLockIsTakenOverOnceItIsDead() throws Exception {
    Path run = tmp.resolve("two-drivers");
    Driver first = Driver.start(run);
    first.await("> sft");
    Driver second = Driver.start(run);
    assertThat(second.finish()).isEqualTo(1);
    assertThat(second.output()).contains("is in use by pid " + first.process.pid() + " on ");
    first.killAfter("> sft", 0);
    Driver third = Driver.start(run, "stage", "tasks");
    assertThat(third.finish()).as(third.output()).isZero();
    assertThat(third.output()).contains("was locked by pid " + first.process.pid());
    assertThat(run.resolve("run.lock")).doesNotExist();
    TABLE.add(
        "| a second driver, then kill -9 of the first | tasks | (lock only) | refused with the owner; lock taken over |");
  }

  /**
   * An executor of the loopback standalone cluster killed while it searches: Spark reruns its task
   * (on a new executor or the other one), the stage succeeds, and its rows are the undisturbed
   * run's.
   */
  @Test
  void anExecutorKilledMidSearchIsReplacedAndTheSearchEndsWithTheSameRows() throws Exception {
    Path run = copyOfUndisturbed("executor-killed");
    LocalCluster cluster = LocalCluster.start();
    try {
      List<String> submit =
          new ArrayList<>(
              List.of("submit", "stage", "search", "--round", "1", "--run", run.toString()));
      submit.addAll(MICRO);
      // The loopback cluster's GPUs are simulated: run the model on the CPU, as a user must.
      submit.addAll(List.of("--set", "stepwise.device=cpu"));
      Driver driver = Driver.of(cluster.command(submit));
      driver.await("  search round 1: ");
      List<ProcessHandle> executors = cluster.executors(0);
      assertThat(executors).as("worker 0's executor").hasSize(1);
      // Only a search task loads libtorch on an executor: once it is mapped, one is running there.
      Path maps = Path.of("/proc/" + executors.get(0).pid() + "/maps");
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (!Files.readString(maps).contains("libtorch")) {
        assertThat(driver.process.isAlive() && System.nanoTime() < deadline)
            .as("a search task on worker 0's executor, in\n" + driver.output())
            .isTrue();
        Thread.sleep(100);
      }
      executors.get(0).destroyForcibly();
      assertThat(driver.finish()).as(driver.output()).isZero();
    } finally {
      cluster.stop();
    }
    // The executor died with a task of the search on it, and Spark ran that task again.
    assertThat(sparkLog(run)).contains("ExecutorLostFailure");
    compare("kill -9 of an executor (standalone cluster)", "search", run, SEARCHED);
  }

  /**
   * A training checkpoint damaged after it was written (same size, zeroed bytes: finite weights, so
   * only its checksum tells) is refused by the resume, naming the file, and nothing trains from it.
   */
  @Test
  void aDamagedCheckpointIsRefusedOnResume() throws Exception {
    Path out = tmp.resolve("sft");
    List<String> sft =
        List.of(
            new File(ROOT, "bin/stepwise").getPath(),
            "sft",
            "--model",
            Cli.tinyM1(),
            "--out",
            out.toString(),
            "--steps",
            "400",
            "--save-every",
            "2",
            "--ift-problems",
            "8",
            "--eft-problems",
            "8",
            "--eval-problems",
            "1");
    Driver first = Driver.of(new ProcessBuilder(sft));
    Path checkpoint = out.resolve("checkpoint-4");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (!Files.exists(checkpoint.resolve("trainer_state.json"))) {
      assertThat(first.process.isAlive() && System.nanoTime() < deadline)
          .as("checkpoint-4 in\n" + first.output())
          .isTrue();
      Thread.sleep(50);
    }
    first.killAfter("sft: ", 0);
    Path latest;
    try (var dirs = Files.list(out)) {
      latest =
          dirs.filter(d -> d.getFileName().toString().matches("checkpoint-\\d+"))
              .filter(d -> Files.exists(d.resolve("trainer_state.json")))
              .max(
                  Comparator.comparingInt(
                      d -> Integer.parseInt(d.toString().replaceAll(".*-", ""))))
              .orElseThrow();
    }
    Path weights = latest.resolve("model.safetensors");
    try (RandomAccessFile file = new RandomAccessFile(weights.toFile(), "rw")) {
      file.seek(file.length() / 2);
      file.write(new byte[64]);
    }
    byte[] damaged = Files.readAllBytes(weights);

    Driver again = Driver.of(new ProcessBuilder(sft));
    assertThat(again.finish()).as(again.output()).isEqualTo(1);
    assertThat(errorLine(again))
        .startsWith("stepwise: error: " + weights + " is missing or differs")
        .contains(latest + " cannot be resumed from; delete it");
    assertThat(Files.readAllBytes(weights)).isEqualTo(damaged);
    assertThat(out.resolve("trainer_state.json")).doesNotExist();
    TABLE.add(
        "| zeroed bytes in "
            + out.relativize(weights)
            + " after kill -9 of `stepwise sft` | sft (resume) | (checkpoint only) | refused with one line naming the file; nothing trained from it |");
  }

  /**
   * The prompts dataset made read-only (a read-only bind mount: as root, permissions would not stop
   * a write): the tasks stage, which rewrites it, fails with one line naming the path and the rows
   * stay; once writable again, the rerun ends with the undisturbed rows.
   */
  @Test
  void aReadOnlyDatasetFailsTheStageWithOneLineAndKeepsItsRows() throws Exception {
    Path run = copyOfUndisturbed("read-only");
    Path prompts = run.resolve("data/prompts");
    boolean mounted =
        exec("mount", "--bind", prompts.toString(), prompts.toString()) == 0
            && exec("mount", "-o", "remount,ro,bind", prompts.toString()) == 0;
    if (!mounted) {
      exec("umount", prompts.toString());
      TABLE.add("| read-only data/prompts | tasks | - | skipped: mount needs root |");
    }
    assumeThat(mounted).as("a read-only bind mount (needs root)").isTrue();
    try {
      Driver refused = Driver.start(run, "stage", "tasks");
      assertThat(refused.finish()).as(refused.output()).isEqualTo(1);
      assertThat(errorLine(refused))
          .startsWith("stepwise: error: cannot write prompts into file:" + prompts + "/_tmp-");
      assertThat(stage(run, "tasks").status()).isEqualTo(StageRecord.FAILED);
      assertThat(rows(prompts)).isEqualTo(rows(undisturbed.resolve("data/prompts")));
    } finally {
      assertThat(exec("umount", prompts.toString())).isZero();
    }
    Driver rerun = Driver.start(run, "stage", "tasks");
    assertThat(rerun.finish()).as(rerun.output()).isZero();
    List<String> datasets = new ArrayList<>(List.of("prompts"));
    datasets.addAll(DATASETS);
    compare("read-only data/prompts (bind mount), then writable again", "tasks", run, datasets);
  }

  private static StageRecord stage(Path run, String key) throws IOException {
    return Manifest.parseStages(Files.readString(run.resolve("run.json"))).stream()
        .filter(s -> s.key().equals(key))
        .findFirst()
        .orElseThrow();
  }

  private static void compare(String fault, String stage, Path run, List<String> datasets)
      throws IOException {
    long rows = 0;
    for (String dataset : datasets) {
      List<String> expected = rows(undisturbed.resolve("data/" + dataset));
      assertThat(rows(run.resolve("data/" + dataset)))
          .as(fault + ": " + dataset)
          .isEqualTo(expected);
      rows += expected.size();
    }
    assertThat(Manifest.parseStages(Files.readString(run.resolve("run.json"))))
        .allSatisfy(s -> assertThat(s.status()).as(s.key()).isEqualTo(StageRecord.SUCCEEDED));
    try (var files = Files.walk(run)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .noneMatch(
              n ->
                  n.startsWith("_tmp-")
                      || n.startsWith("_old-")
                      || n.contains(".tmp-")
                      || n.contains("_probe-")
                      || n.equals("_commit.json"));
    }
    assertThat(checksumStrays(run)).isEmpty();
    TABLE.add(
        "| " + fault + " | " + stage + " | " + rows + " | identical to the undisturbed run |");
  }

  /**
   * Hadoop checksum files that belong to nothing: beside the run's own files (written without
   * them), or whose file is gone. Spark's temporaries are not looked into: the next command removes
   * them whole.
   */
  private static List<String> checksumStrays(Path run) throws IOException {
    try (var files = Files.walk(run)) {
      return files
          .filter(p -> !run.relativize(p).toString().contains("_tmp-"))
          .filter(
              p -> {
                String n = p.getFileName().toString();
                return n.startsWith(".")
                    && n.endsWith(".crc")
                    && (p.getParent().equals(run)
                        || !Files.exists(p.resolveSibling(n.substring(1, n.length() - 4))));
              })
          .map(p -> run.relativize(p).toString())
          .toList();
    }
  }

  /** The undisturbed run's directory as it ended, without its logs. */
  private static Path copyOfUndisturbed(String name) throws IOException {
    Path copy = tmp.resolve(name);
    try (var files = Files.walk(undisturbed)) {
      for (Path from : files.filter(p -> !p.startsWith(undisturbed.resolve("logs"))).toList())
        Files.copy(from, copy.resolve(undisturbed.relativize(from).toString()));
    }
    return copy;
  }

  /** Spark's log of every command on the run ({@code <run>/logs}). */
  private static String sparkLog(Path run) throws IOException {
    StringBuilder all = new StringBuilder();
    try (var logs = Files.list(run.resolve("logs"))) {
      for (Path log : logs.toList()) all.append(Files.readString(log));
    }
    return all.toString();
  }

  private static String errorLine(Driver driver) {
    List<String> errors =
        driver.output().lines().filter(l -> l.startsWith("stepwise: error: ")).toList();
    assertThat(errors).as(driver.output()).hasSize(1);
    return errors.get(0);
  }

  private static int exec(String... command) throws Exception {
    return new ProcessBuilder(command).redirectErrorStream(true).start().waitFor();
  }

  private static List<String> rows(Path dir) {
    List<String> rows = new ArrayList<>();
    for (GenericRecord r : ParquetFiles.read(dir)) rows.add(r.toString());
    rows.sort(Comparator.naturalOrder());
    return rows;
  }

  /**
   * A driver process (`bin/stepwise run` on the micro configuration), its output read as it comes.
   */
  private static final class Driver {
    final Process process;
    private final StringBuffer output = new StringBuffer();
    private final CompletableFuture<Void> reader;

    private Driver(Process process) {
      this.process = process;
      this.reader =
          CompletableFuture.runAsync(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = in.readLine()) != null; ) {
                    output.append(line).append('\n');
                  }
                } catch (IOException ignored) {
                  // the process was killed
                }
              });
    }

    static Driver start(Path run, String... command) throws IOException {
      return start(run, command.length == 0 ? List.of("run") : List.of(command));
    }

    static Driver start(Path run, List<String> stepwise) throws IOException {
      List<String> command = new ArrayList<>(List.of(new File(ROOT, "bin/stepwise").getPath()));
      command.addAll(stepwise);
      command.addAll(List.of("--run", run.toString(), "--master", "local[2]"));
      command.addAll(MICRO);
      return of(new ProcessBuilder(command));
    }

    static Driver of(ProcessBuilder builder) throws IOException {
      // setsid: each driver in its own session, as a user's would be; a signal to one never reaches
      // the test JVM.
      List<String> command = new ArrayList<>(List.of("setsid"));
      command.addAll(builder.command());
      return new Driver(builder.command(command).redirectErrorStream(true).start());
    }

    void await(String prefix) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (output.toString().lines().noneMatch(l -> l.startsWith(prefix))) {
        assertThat(process.isAlive() && System.nanoTime() < deadline)
            .as("'" + prefix + "' in\n" + output)
            .isTrue();
        Thread.sleep(50);
      }
    }

    /**
     * kill -9 (SIGKILL: no shutdown hook runs, the lock and any half-done work stay) once the line
     * appeared.
     */
    void killAfter(String prefix, long millis) throws Exception {
      await(prefix);
      Thread.sleep(millis);
      process.destroyForcibly();
      process.waitFor();
      reader.get(1, TimeUnit.MINUTES);
    }

    int finish() throws Exception {
      if (!process.waitFor(10, TimeUnit.MINUTES)) process.destroyForcibly();
      reader.get(1, TimeUnit.MINUTES);
      return process.exitValue();
    }

    String output() {
      return output.toString();
    }
  }
}
