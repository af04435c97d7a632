package dev.stepwise.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stepwise.spark.runtime.Manifest;
import dev.stepwise.spark.runtime.StageRecord;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
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
 * search and during ref, and two drivers on one run. After the kills, a plain rerun must end with
 * the same rows as an undisturbed run of the same seed. Prints a table of what it checked.
 */
class FaultsIT {
  private static final File ROOT = new File("..").getAbsoluteFile().toPath().normalize().toFile();
  private static final List<String> DATASETS =
      List.of(
          "solutions/round=1",
          "step_judgments/round=1",
          "step_pairs/round=1",
          "eval_results/round=1");
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
   * One run killed twice: during the search, then (on the rerun) during ref, which rewrites the
   * pairs it reads.
   */
  @Test
  void killedDuringSearchAndThenDuringRefTheRerunsEndWithTheSameRows() throws Exception {
    Path run = tmp.resolve("killed");
    Driver.start(run).killAfter("> search (round 1)", 1500);
    assertThat(stage(run, "search@round=1").status()).isEqualTo(StageRecord.RUNNING);

    Driver rerun = Driver.start(run);
    rerun.killAfter("> ref (round 1)", 300);
    assertThat(rerun.output()).contains("which is no longer running; taking over");
    assertThat(stage(run, "search@round=1").status()).isEqualTo(StageRecord.SUCCEEDED);
    boolean journal = Files.exists(run.resolve("data/step_pairs/_commit.json"));

    Driver last = Driver.start(run);
    assertThat(last.finish()).as(last.output()).isZero();
    assertThat(stage(run, "ref@round=1").metrics().get("pairs"))
        .isEqualTo(stage(run, "pairs@round=1").metrics().get("pairs"));
    compare(
        "kill -9 of the driver in search, then in ref"
            + (journal ? " (inside the partition swap)" : ""),
        "search, ref",
        run);
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

  private static StageRecord stage(Path run, String key) throws IOException {
    return Manifest.parseStages(Files.readString(run.resolve("run.json"))).stream()
        .filter(s -> s.key().equals(key))
        .findFirst()
        .orElseThrow();
  }

  private static void compare(String fault, String stage, Path run) throws IOException {
    long rows = 0;
    for (String dataset : DATASETS) {
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
                      || n.equals("_commit.json"));
    }
    TABLE.add(
        "| " + fault + " | " + stage + " | " + rows + " | identical to the undisturbed run |");
  }

  private static List<String> rows(Path dir) {
    List<String> rows = new ArrayList<>();
    for (GenericRecord r : ParquetFiles.read(dir)) rows.add(r.toString());
    rows.sort(Comparator.naturalOrder());
    return rows;
  }

  /** A `bin/stepwise run` on the micro configuration, its output read as it comes. */
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
      // setsid: each driver in its own session, as a user's would be; a signal to one never reaches
      // the test JVM.
      List<String> command =
          new ArrayList<>(List.of("setsid", new File(ROOT, "bin/stepwise").getPath()));
      command.addAll(stepwise);
      command.addAll(List.of("--run", run.toString(), "--master", "local[2]"));
      // Small, but enough prompts and candidates that the round makes pairs for ref to score.
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
        command.add("--set");
        command.add(kv);
      }
      return new Driver(new ProcessBuilder(command).redirectErrorStream(true).start());
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
