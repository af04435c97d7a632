package dev.stepwise.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stepwise.spark.Cli;
import dev.stepwise.spark.runtime.Manifest;
import dev.stepwise.spark.runtime.StageRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stage that fails inside its Spark tasks: one line on the console, "failed" with that line in
 * run.json, Spark's log in logs/.
 */
class StageFailureTest {

  private static String[] stage(Path run, String... stage) {
    List<String> args = new ArrayList<>(List.of("stage"));
    args.addAll(List.of(stage));
    args.addAll(
        List.of(
            "--run",
            run.toString(),
            "--set",
            "stepwise.model.m1=" + Cli.tinyM1(),
            "--set",
            "stepwise.tasks.train_problems=8",
            "--set",
            "stepwise.tasks.eval_problems=1",
            "--set",
            "stepwise.tasks.eft_test_problems=4",
            "--set",
            "stepwise.search.prompts_per_round=2"));
    return args.toArray(String[]::new);
  }

  @Test
  void aSearchWhoseTasksCannotLoadTheModelIsRecordedFailedWithTheCause(@TempDir Path tmp)
      throws Exception {
    Path run = tmp.resolve("run");
    for (String name : List.of("tasks", "sft")) {
      Cli.Result r = Cli.run(stage(run, name));
      assertThat(r.exitCode()).as(r.err()).isZero();
    }
    // The executors load M1 from the run; the driver only hashes its bytes.
    Files.writeString(
        run.resolve("checkpoints/round=1/model.safetensors"),
        "not a safetensors file, but long enough to read");

    Cli.Result search = Cli.run(stage(run, "search", "--round", "1"));
    assertThat(search.exitCode()).isEqualTo(1);
    assertThat(search.err().strip()).startsWith("stepwise: error: ").doesNotContain("\n");
    StageRecord record =
        Manifest.parseStages(Files.readString(run.resolve("run.json"))).stream()
            .filter(s -> s.key().equals("search@round=1"))
            .findFirst()
            .orElseThrow();
    assertThat(record.status()).isEqualTo(StageRecord.FAILED);
    assertThat(record.error()).contains("model.safetensors");
    assertThat(search.err()).contains(record.error());

    try (var logs = Files.list(run.resolve("logs"))) {
      List<Path> files = logs.toList();
      assertThat(files).isNotEmpty();
      String all =
          String.join(
              "\n",
              files.stream()
                  .map(
                      f -> {
                        try {
                          return Files.readString(f);
                        } catch (IOException e) {
                          throw new UncheckedIOException(e);
                        }
                      })
                  .toList());
      assertThat(all).contains("ERROR", "Exception in task");
    }
  }
}
