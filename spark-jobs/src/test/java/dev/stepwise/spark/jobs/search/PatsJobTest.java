package dev.stepwise.spark.jobs.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stepwise.spark.Cli;
import dev.stepwise.spark.ParquetFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A micro PATS run with the shipped M1 as policy and as its own PRM, in local[2]: the traces are
 * the same for 1 and 3 partitions, every method ran on every problem, and the report and the
 * per-problem columns agree with the step rows.
 */
class PatsJobTest {

  static String[] args(Path run, String... extra) {
    List<String> args = new ArrayList<>(List.of(extra));
    args.addAll(List.of("--run", run.toString()));
    for (String kv :
        List.of(
            "stepwise.model.m1=" + Cli.tinyM1(),
            "stepwise.tasks.train_problems=8",
            "stepwise.tasks.eval_problems=3",
            "stepwise.tasks.eft_test_problems=2",
            "stepwise.pats.prompts.languages=[en,de]",
            "stepwise.pats.problems=2",
            "stepwise.pats.max_iterations=6",
            "stepwise.pats.max_step_tokens=32",
            "stepwise.pats.batch_prompts=3")) {
      args.add("--set");
      args.add(kv);
    }
    return args.toArray(String[]::new);
  }

  static List<String> rows(Path dataset) {
    List<String> rows = new ArrayList<>();
    for (GenericRecord r : ParquetFiles.read(dataset)) rows.add(r.toString());
    rows.sort(Comparator.naturalOrder());
    return rows;
  }

  @Test
  void tracesAreTheSameForOneAndThreePartitions(@TempDir Path tmp) throws Exception {
    List<List<String>> traces = new ArrayList<>();
    for (String partitions : List.of("1", "3")) {
      Path run = tmp.resolve("p" + partitions);
      for (String stage : List.of("tasks", "sft"))
        assertThat(Cli.run(args(run, "stage", stage)).exitCode()).isZero();
      Cli.Result r =
          Cli.run(
              args(run, "pats", "--round", "1", "--set", "stepwise.pats.partitions=" + partitions));
      assertThat(r.exitCode()).as(r.err()).isZero();
      assertThat(r.out()).contains("| pats |").contains("| all_complex |");
      traces.add(rows(run.resolve("data/search_traces/round=1")));
    }
    assertThat(traces.get(0)).isNotEmpty().isEqualTo(traces.get(1));

    Path run = tmp.resolve("p1");
    List<GenericRecord> records = ParquetFiles.read(run.resolve("data/search_traces/round=1"));
    Map<String, Set<String>> problemsByMethod = new HashMap<>();
    Map<String, Integer> tokens = new HashMap<>();
    for (GenericRecord g : records) {
      String method = g.get("method").toString(), id = g.get("prompt_id").toString();
      problemsByMethod.computeIfAbsent(method, k -> new HashSet<>()).add(id);
      tokens.merge(method + "/" + id, (Integer) g.get("tokens_sampled"), Integer::sum);
      // per-problem total = the sum over its iterations, the same on each row
      assertThat(g.get("width"))
          .isEqualTo(
              switch (g.get("mode").toString()) {
                case "complex" -> 8;
                case "medium" -> 4;
                default -> 2;
              });
    }
    // 2 parallel problems x 2 languages, each by all five methods
    assertThat(problemsByMethod)
        .containsOnlyKeys("pats", "all_simple", "all_medium", "all_complex", "solution_switch");
    assertThat(problemsByMethod.values()).allSatisfy(ids -> assertThat(ids).hasSize(4));
    for (GenericRecord g : records)
      assertThat(g.get("total_tokens"))
          .isEqualTo(tokens.get(g.get("method") + "/" + g.get("prompt_id")));
    String report = Files.readString(run.resolve("reports/pats.md"));
    assertThat(report).contains("| solution_switch |").contains("PATS thinking modes");
    assertThat(run.resolve("reports/pats.png")).isNotEmptyFile();
  }
}
