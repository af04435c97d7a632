package dev.stepwise.spark.jobs.study;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stepwise.eval.SamplingStudy;
import dev.stepwise.spark.Cli;
import dev.stepwise.spark.ParquetFiles;
import dev.stepwise.spark.runtime.Manifest;
import dev.stepwise.spark.runtime.StageRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A micro EDT study with the shipped M1 in local[2]: the same rows for 1 and 3 partitions and on a
 * rerun, one row per (prompt, strategy, sample) seeded by (run seed, prompt, sample), and the
 * report with its table and chart.
 */
class EdtStudyTest {

  static Cli.Result study(Path run, int partitions) {
    List<String> args =
        new ArrayList<>(List.of("study", "edt", "--model", Cli.tinyM1(), "--run", run.toString()));
    for (String kv :
        List.of(
            "stepwise.tasks.train_problems=10",
            "stepwise.tasks.eval_problems=1",
            "stepwise.tasks.languages=[en,de,fr,zh]",
            "stepwise.study.edt.problems=3",
            "stepwise.study.edt.samples=2",
            "stepwise.study.edt.temperatures=[1.0]",
            "stepwise.study.edt.levels=[token,instance]",
            "stepwise.study.edt.t0=[1.0]",
            "stepwise.study.edt.theta=[0.05]",
            "stepwise.study.edt.max_new_tokens=40",
            "stepwise.study.edt.partitions=" + partitions)) {
      args.add("--set");
      args.add(kv);
    }
    return Cli.run(args.toArray(String[]::new));
  }

  static List<String> rows(Path run) {
    List<String> rows = new ArrayList<>();
    for (GenericRecord r : ParquetFiles.read(run.resolve("data/edt_samples")))
      rows.add(r.toString());
    rows.sort(Comparator.naturalOrder());
    return rows;
  }

  @Test
  void theStudyGivesTheSameRowsForAnyPartitioningAndOnARerun(@TempDir Path tmp) throws Exception {
    Path one = tmp.resolve("p1"), three = tmp.resolve("p3");
    Cli.Result r1 = study(one, 1);
    assertThat(r1.exitCode()).as(r1.err()).isZero();
    Cli.Result r3 = study(three, 3);
    assertThat(r3.exitCode()).as(r3.err()).isZero();
    List<String> rows = rows(one);
    assertThat(rows).hasSize(3 * 3 * 2); // prompts x strategies x samples
    assertThat(rows(three)).isEqualTo(rows);

    // A rerun replaces the model's rows with the same rows.
    Cli.Result again = study(one, 3);
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(rows(one)).isEqualTo(rows);

    // Sample i of a prompt has the seed of (run seed, prompt, i), under every strategy.
    Set<String> strategies = new HashSet<>();
    for (GenericRecord r : ParquetFiles.read(one.resolve("data/edt_samples"))) {
      strategies.add(r.get("strategy").toString());
      assertThat((long) r.get("seed"))
          .isEqualTo(SamplingStudy.seed(42, r.get("prompt_id").toString(), (int) r.get("sample")));
    }
    assertThat(strategies)
        .containsExactlyInAnyOrder(
            "fixed T=1", "edt-token T0=1 θ=0.05", "edt-instance T0=1 θ=0.05");

    // The table, its verdict and the chart.
    assertThat(r1.out())
        .contains(
            "| fixed T=1 ",
            "| edt-token T0=1 θ=0.05 ",
            "EDA-proxy",
            "Best fixed temperature: fixed T=1");
    String report = Files.readString(one.resolve("reports/edt.md"));
    assertThat(report)
        .contains("# EDT study", "| edt-instance T0=1 θ=0.05 ", "![EDT study](edt.png)");
    assertThat(Files.size(one.resolve("reports/edt.png"))).isPositive();
    StageRecord stage =
        Manifest.parseStages(Files.readString(one.resolve("run.json"))).stream()
            .filter(s -> s.name().equals("edt_study"))
            .findFirst()
            .orElseThrow();
    assertThat(stage.status()).isEqualTo(StageRecord.SUCCEEDED);
    assertThat(stage.metrics()).containsKeys("strategies", "best_fixed", "best_edt", "edt_gain");
    assertThat((Map<?, ?>) stage.metrics().get("strategies")).hasSize(3);
  }

  @Test
  void aRunWithoutTheSelectedPromptsFailsNamingThem(@TempDir Path tmp) {
    Cli.Result r =
        Cli.run(
            "study",
            "edt",
            "--model",
            Cli.tinyM1(),
            "--run",
            tmp.resolve("r").toString(),
            "--set",
            "stepwise.study.edt.prompts.source=gsm8k",
            "--set",
            "stepwise.study.edt.prompts.split=test");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .contains("no prompts source=gsm8k split=test in ")
        .contains("(stepwise.study.edt.prompts): import them first");
  }
}
