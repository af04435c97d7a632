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
 * Faults a user meets, on real driver processes (bin/stepwise): kill -9 of the driver during
 * the search and during ref, and two drivers on one run. After each, a plain rerun must end
 * with the same rows as an undisturbed run of the same seed. Prints a table of what it checked.
 */
class FaultsIT {
  private static final File ROOT = new File("..").getAbsoluteFile().toPath().normalize().toFile();
  private static final List<String> DATASETS = List.of("solutions/round=1", "step_judgments/round=1", "step_pairs/round=1",
      "eval_results/round=1");
  private static final List<String> TABLE = new ArrayList<>();
  @TempDir static Path tmp;
  private static Path undisturbed;

  @BeforeAll
  static void runUndisturbed() throws Exception {
    undisturbed = tmp.resolve("undisturbed");
    Driver d = Driver.start(undisturbed);
    assertThat(d.finish()).as(d.output()).isZero();
    TABLE.add("| fault | stage | rows compared | result |");
    TABLE.add("|---|---|---|---|");
  }

  @AfterAll
  static void printTable() {
    System.out.println(String.join("\n", TABLE));
  }

  @Test
  void killedDuringSearchTheRerunEndsWithTheSameRows() throws Exception {
    Path run = tmp.resolve("kill-search");
    Driver killed = Driver.start(run);
    killed.killAfter("> search (round 1)", 1500);
    assertThat(stage(run, "search@round=1").status()).isEqualTo(StageRecord.RUNNING);
    Driver rerun = Driver.start(run);
    assertThat(rerun.finish()).as(rerun.output()).isZero();
    assertThat(rerun.output()).contains("which is no longer running; taking over");
    assertThat(stage(run, "search@round=1").status()).isEqualTo(StageRecord.SUCCEEDED);
    compare("kill -9 of the driver", "search", run);
  }

  @Test
  void killedDuringRefTheRerunScoresEveryPair() throws Exception {
    Path run = tmp.resolve("kill-ref");
    Driver killed = Driver.start(run);
    killed.killAfter("> ref (round 1)", 300);
    boolean journal = Files.exists(run.resolve("data/step_pairs/_commit.json"));
    Driver rerun = Driver.start(run);
    assertThat(rerun.finish()).as(rerun.output()).isZero();
    assertThat(stage(run, "ref@round=1").metrics().get("pairs")).isEqualTo(stage(run, "pairs@round=1").metrics().get("pairs"));
    compare("kill -9 of the driver" + (journal ? " inside the partition swap" : ""), "ref", run);
  }

  @Test
  void aSecondDriverIsRefusedAndTheFirstsLockIsTakenOverOnceItIsDead() throws Exception {
    Path run = tmp.resolve("two-drivers");
    Driver first = Driver.start(run);
    first.await("> sft");
    Driver second = Driver.start(run);
    assertThat(second.finish()).isEqualTo(1);
    assertThat(second.output()).contains("is in use by pid " + first.process.pid() + " on ");
    first.killAfter("> eval (round 1)", 0);
    Driver third = Driver.start(run);
    assertThat(third.finish()).as(third.output()).isZero();
    assertThat(third.output()).contains("was locked by pid " + first.process.pid());
    compare("two drivers, then kill -9 of the first", "sft/eval", run);
  }

  private static StageRecord stage(Path run, String key) throws IOException {
    return Manifest.parseStages(Files.readString(run.resolve("run.json"))).stream().filter(s -> s.key().equals(key))
        .findFirst().orElseThrow();
  }

  private static void compare(String fault, String stage, Path run) throws IOException {
    long rows = 0;
    for (String dataset : DATASETS) {
      List<String> expected = rows(undisturbed.resolve("data/" + dataset));
      assertThat(rows(run.resolve("data/" + dataset))).as(fault + ": " + dataset).isEqualTo(expected);
      rows += expected.size();
    }
    assertThat(Manifest.parseStages(Files.readString(run.resolve("run.json"))))
        .allSatisfy(s -> assertThat(s.status()).as(s.key()).isEqualTo(StageRecord.SUCCEEDED));
    try (var files = Files.walk(run)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.startsWith("_tmp-") || n.startsWith("_old-") || n.contains(".tmp-") || n.equals("_commit.json"));
    }
    TABLE.add("| " + fault + " | " + stage + " | " + rows + " | identical to the undisturbed run |");
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
      this.reader = CompletableFuture.runAsync(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = in.readLine()) != null; ) {
            output.append(line).append('\n');
          }
        } catch (IOException ignored) {
          // the process was killed
        }
      });
    }

    static Driver start(Path run) throws IOException {
      List<String> command = new ArrayList<>(List.of(new File(ROOT, "bin/stepwise").getPath(), "run", "--run", run.toString(),
          "--master", "local[2]"));
      for (String kv : List.of("stepwise.model.m1=" + Cli.tinyM1(), "stepwise.tasks.train_problems=12",
          "stepwise.tasks.eval_problems=1", "stepwise.tasks.eft_test_problems=4", "stepwise.loop.rounds=1",
          "stepwise.search.prompts_per_round=6", "stepwise.search.candidates=4", "stepwise.search.max_iterations=4",
          "stepwise.sampling.temperature=1.0", "stepwise.dpo.epochs=1", "stepwise.dpo.batch_size=4",
          "stepwise.eval.max_new_tokens=24")) {
        command.add("--set");
        command.add(kv);
      }
      return new Driver(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    void await(String prefix) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (output.toString().lines().noneMatch(l -> l.startsWith(prefix))) {
        assertThat(process.isAlive() && System.nanoTime() < deadline).as("'" + prefix + "' in\n" + output).isTrue();
        Thread.sleep(50);
      }
    }

    /** kill -9 (SIGKILL: no shutdown hook runs, the lock and any half-done work stay) once the line appeared. */
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
