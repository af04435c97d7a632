package dev.stepwise.spark.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stepwise.spark.Cli;
import dev.stepwise.spark.ParquetFiles;
import dev.stepwise.spark.runtime.Manifest;
import dev.stepwise.spark.runtime.StageRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole loop on a micro configuration in local[2]: every stage, dataset and checkpoint. */
public class SelfRewardLoopTest {

  /** The micro configuration, then {@code extra} keys. */
  public static List<String> micro(Path run, String... extra) {
    List<String> args = new ArrayList<>(List.of("--run", run.toString()));
    for (String kv :
        concat(
            List.of(
                "stepwise.tasks.languages=[en,zh]",
                "stepwise.tasks.train_problems=12",
                "stepwise.tasks.eft_problems=4",
                "stepwise.tasks.eval_problems=2",
                "stepwise.tasks.eft_test_problems=4",
                "stepwise.sft.steps=2",
                "stepwise.sft.batch_size=4",
                "stepwise.loop.rounds=1",
                "stepwise.search.prompts_per_round=3",
                "stepwise.search.candidates=2",
                "stepwise.search.max_iterations=2",
                "stepwise.search.max_step_tokens=6",
                "stepwise.search.max_judge_tokens=6",
                "stepwise.search.batch_prompts=2",
                "stepwise.dpo.epochs=1",
                "stepwise.dpo.batch_size=2",
                "stepwise.eval.max_new_tokens=6"),
            extra)) {
      args.add("--set");
      args.add(kv);
    }
    return args;
  }

  @Test
  void runsEveryStageAndResumesWithoutRedoingAny(@TempDir Path tmp) throws Exception {
    Path run = tmp.resolve("run");
    List<String> args = new ArrayList<>(List.of("run"));
    args.addAll(micro(run));
    for (String kv :
        List.of(
            "stepwise.align.enabled=true",
            "stepwise.align.synthetic_problems=2",
            "stepwise.align.steps=1",
            "stepwise.align.batch_size=2",
            "stepwise.align.eval_problems=1")) {
      args.add("--set");
      args.add(kv);
    }
    Cli.Result result = Cli.run(args.toArray(String[]::new));
    assertThat(result.exitCode()).as(result.err() + result.out()).isZero();
    assertThat(result.out()).contains("| M1 ").contains("| M2 ");
    // The alignment table comes after the rounds table: en and zh of the run's languages, zh
    // trained.
    String alignTable = result.out().substring(result.out().indexOf("| M2 "));
    assertThat(alignTable)
        .contains(
            "before = checkpoints/round=1, after = checkpoints/align/round=1",
            "| synthetic | zh   | aligned |     1 |",
            "| synthetic | mean | unseen  |");

    List<StageRecord> stages = Manifest.parseStages(Files.readString(run.resolve("run.json")));
    assertThat(stages)
        .extracting(StageRecord::key)
        .containsExactly(
            "tasks",
            "sft",
            "eval@round=1",
            "translation_pairs",
            "align@round=1",
            "align_eval@round=1",
            "search@round=1",
            "pairs@round=1",
            "ref@round=1",
            "dpo@round=1",
            "eval@round=2");
    assertThat(stages).allSatisfy(s -> assertThat(s.status()).isEqualTo(StageRecord.SUCCEEDED));
    assertThat(run.resolve("checkpoints/round=1/model.safetensors")).exists();
    assertThat(run.resolve("checkpoints/round=2/model.safetensors")).exists();
    assertThat(ParquetFiles.read(run.resolve("data/solutions/round=1"))).hasSize(3);
    assertThat(ParquetFiles.read(run.resolve("data/step_judgments/round=1"))).isNotEmpty();
    // 2 eval problems x 2 languages + 4 judge pairs, for M1 and for M2; round 1 also has the
    // alignment's 1 problem x 10 languages for M1 and for aligned M1.
    assertThat(ParquetFiles.read(run.resolve("data/eval_results/round=1"))).hasSize(8 + 20);
    assertThat(ParquetFiles.read(run.resolve("data/eval_results/round=2"))).hasSize(8);
    assertThat(run.resolve("reports/report.md")).exists();
    assertThat(run.resolve("reports/rounds.png")).exists();
    assertThat(run.resolve("reports/multilingual.png")).exists();
    assertThat(Files.readString(run.resolve("reports/multilingual.md")))
        .contains("translate zh, de questions into en (4 pairs, 1 steps");

    Cli.Result again = Cli.run(args.toArray(String[]::new));
    assertThat(again.exitCode()).as(again.err()).isZero();
    // The table of the skipped alignment is read back from eval_results.
    assertThat(again.out())
        .contains("| synthetic | zh   | aligned |     1 |", "| synthetic | mean | unseen  |");
    List<StageRecord> after = Manifest.parseStages(Files.readString(run.resolve("run.json")));
    assertThat(after)
        .extracting(StageRecord::finished)
        .isEqualTo(stages.stream().map(StageRecord::finished).toList());
  }

  static List<String> concat(List<String> first, String... more) {
    List<String> all = new ArrayList<>(first);
    all.addAll(List.of(more));
    return all;
  }

  @Test
  void aLoraLoopTrainsAdaptersOverTheFrozenM0(@TempDir Path tmp) throws Exception {
    Path run = tmp.resolve("run");
    List<String> args = new ArrayList<>(List.of("run"));
    args.addAll(micro(run, "stepwise.train.lora.enabled=true", "stepwise.train.lora.r=4"));
    Cli.Result result = Cli.run(args.toArray(String[]::new));
    assertThat(result.exitCode()).as(result.err() + result.out()).isZero();
    assertThat(Manifest.parseStages(Files.readString(run.resolve("run.json"))))
        .allSatisfy(s -> assertThat(s.status()).isEqualTo(StageRecord.SUCCEEDED))
        .hasSize(8);
    String m0 = run.resolve("checkpoints/round=0").toAbsolutePath().toString();
    // M1 (sft) and M2 (dpo: M1's adapter trained on, or copied when the micro search made no
    // pairs) are adapters over M0; the eval, search and ref stages load them onto it.
    for (String round : List.of("round=1", "round=2")) {
      Path dir = run.resolve("checkpoints/" + round);
      assertThat(dir.resolve("model.safetensors")).as(round).doesNotExist();
      assertThat(Files.readString(dir.resolve("adapter_config.json")))
          .as(round)
          .contains("\"base_model_name_or_path\": \"" + m0 + "\"");
    }
    assertThat(run.resolve("checkpoints/round=0/model.safetensors")).exists();
    assertThat(ParquetFiles.read(run.resolve("data/eval_results/round=2"))).hasSize(8);
  }
}
