package dev.stepwise.spark.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stepwise.spark.Cli;
import dev.stepwise.spark.ParquetFiles;
import dev.stepwise.spark.runtime.Manifest;
import dev.stepwise.spark.runtime.StageRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The self-rewarding stages with the shipped M1 (a real trained model, so the search finds steps,
 * the judge decides and pairs exist): the same seed gives the same rows whatever the partitioning
 * and batching, and a loop stopped after a stage finishes on rerun without duplicate or missing
 * rows.
 */
class SelfRewardStagesTest {

  static String[] args(String command, Path run, String... extra) {
    List<String> args = new ArrayList<>(List.of(command));
    args.addAll(List.of(extra));
    args.addAll(List.of("--run", run.toString()));
    for (String kv :
        List.of(
            "stepwise.model.m1=" + Cli.tinyM1(),
            "stepwise.tasks.train_problems=48",
            "stepwise.tasks.eval_problems=1",
            "stepwise.tasks.eft_test_problems=4",
            "stepwise.loop.rounds=1",
            "stepwise.search.prompts_per_round=24",
            "stepwise.search.candidates=6",
            "stepwise.search.max_iterations=6",
            "stepwise.sampling.temperature=1.0",
            "stepwise.dpo.epochs=1",
            "stepwise.dpo.batch_size=4")) {
      args.add("--set");
      args.add(kv);
    }
    return args.toArray(String[]::new);
  }

  /** A run in tmp whose tasks and sft stages have run (M1 = the shipped tiny model, SFT'd). */
  static Path afterSft(Path tmp) {
    Path run = tmp.resolve("run");
    for (String stage : List.of("tasks", "sft")) {
      assertThat(Cli.run(args("stage", run, stage)).exitCode()).isZero();
    }
    return run;
  }

  /** Runs a stage of round 1 with these config overrides; it must succeed. */
  static void roundOne(Path run, String stage, String... sets) {
    List<String> extra = new ArrayList<>(List.of(stage, "--round", "1"));
    for (String kv : sets) extra.addAll(List.of("--set", kv));
    Cli.Result r = Cli.run(args("stage", run, extra.toArray(String[]::new)));
    assertThat(r.exitCode()).as(r.err()).isZero();
  }

  static List<String> rows(Path dataset) throws Exception {
    List<String> rows = new ArrayList<>();
    for (GenericRecord r : ParquetFiles.read(dataset)) rows.add(r.toString());
    rows.sort(Comparator.naturalOrder());
    return rows;
  }

  @Test
  void searchAndPairsAreTheSameForAnyPartitioningAndBatching(@TempDir Path tmp) throws Exception {
    List<List<String>> judgments = new ArrayList<>();
    List<List<String>> pairs = new ArrayList<>();
    for (String[] layout : List.of(new String[] {"1", "1"}, new String[] {"3", "4"})) {
      Path run = tmp.resolve("p" + layout[0]);
      for (String stage : List.of("tasks", "sft")) {
        assertThat(Cli.run(args("stage", run, stage)).exitCode()).isZero();
      }
      for (String stage : List.of("search", "pairs")) {
        roundOne(
            run,
            stage,
            "stepwise.search.partitions=" + layout[0],
            "stepwise.search.batch_prompts=" + layout[1]);
      }
      judgments.add(rows(run.resolve("data/step_judgments/round=1")));
      pairs.add(rows(run.resolve("data/step_pairs/round=1")));
    }
    assertThat(pairs.get(0)).isNotEmpty();
    assertThat(judgments.get(1)).isEqualTo(judgments.get(0));
    assertThat(pairs.get(1)).isEqualTo(pairs.get(0));

    // Every pair is compared with the synthetic reference solutions in the manifest.
    Path run = tmp.resolve("p1");
    assertThat(pairQuality(run).values().stream().mapToLong(Number::longValue).sum())
        .isEqualTo(pairs.get(0).size());
    // ... and by outcome: every judge pair's chosen step lies on the round's solution, which
    // reached gold or not.
    Map<String, Number> outcome = outcomeQuality(run);
    assertThat(outcome.values().stream().mapToLong(Number::longValue).sum())
        .isEqualTo(pairs.get(0).size());
    assertThat(outcome).containsKey("reached_gold").doesNotContainKeys("no_gold", "off_solution");
    // The gold ablation labels the same search's candidates by the reference: every pair is right.
    Cli.Result gold =
        Cli.run(args("stage", run, "pairs", "--round", "1", "--set", "stepwise.pairs.labels=gold"));
    assertThat(gold.exitCode()).as(gold.err()).isZero();
    List<String> goldPairs = rows(run.resolve("data/step_pairs/round=1"));
    assertThat(goldPairs).isNotEmpty();
    assertThat(pairQuality(run)).containsOnlyKeys("right");
    assertThat(outcomeQuality(run).values().stream().mapToLong(Number::longValue).sum())
        .isEqualTo(goldPairs.size());
    assertThat(pairQuality(run).get("right").longValue()).isEqualTo(goldPairs.size());
  }

  /**
   * Shared-prefix decoding changes where keys are computed, not what is decided: the search's
   * step_judgments are identical with it on and off, in both judge modes (GeneratorTest checks the
   * per-token log-probs agree within 1e-5). A forced choice records the verdict's probability.
   */
  @Test
  void stepJudgmentsAreTheSameWithSharedPrefixesOnAndOff(@TempDir Path tmp) throws Exception {
    Path run = afterSft(tmp);
    Map<String, List<String>> judgments = new LinkedHashMap<>();
    for (String mode : List.of("generate", "forced_choice")) {
      for (String share : List.of("false", "true")) {
        String[] args =
            args(
                "stage",
                run,
                "search",
                "--round",
                "1",
                "--set",
                "stepwise.search.share_prefix=" + share,
                "--set",
                "stepwise.judge.mode=" + mode);
        // 8 of the 24 prompts args() searches keep the four searches short.
        Collections.replaceAll(
            Arrays.asList(args),
            "stepwise.search.prompts_per_round=24",
            "stepwise.search.prompts_per_round=8");
        Cli.Result r = Cli.run(args);
        assertThat(r.exitCode()).as(r.err()).isZero();
        judgments.put(mode + " " + share, rows(run.resolve("data/step_judgments/round=1")));
      }
    }
    assertThat(judgments.get("generate false")).isNotEmpty();
    assertThat(judgments.get("generate true")).isEqualTo(judgments.get("generate false"));
    assertThat(judgments.get("forced_choice true")).isEqualTo(judgments.get("forced_choice false"));
    // Every judged comparison of the forced choice is a verdict tag with its probability.
    Matcher judged =
        Pattern.compile("\"judge_text\": \"([^\"]*)\", \"verdict_prob\": ([^,}]+)")
            .matcher(String.join("\n", judgments.get("forced_choice true")));
    List<Double> probabilities = new ArrayList<>();
    while (judged.find()) {
      if (judged.group(1).startsWith("(identical")) continue;
      assertThat(judged.group(1)).isIn("[[A]]", "[[B]]");
      probabilities.add(Double.parseDouble(judged.group(2)));
    }
    assertThat(probabilities).isNotEmpty().allSatisfy(p -> assertThat(p).isBetween(0.5, 1.0));
    assertThat(judgments.get("generate false").toString()).contains("\"verdict_prob\": null");
  }

  /**
   * The eval stage judges its held-out pairs in stepwise.judge.mode, the search's mode: a forced
   * choice writes the tag with its probability and no tokens, where generate mode writes its check;
   * the reasoning rows do not depend on the mode, and the manifest names it.
   */
  @Test
  void evalJudgesInTheConfiguredJudgeMode(@TempDir Path tmp) throws Exception {
    Path run = afterSft(tmp);
    Map<String, List<GenericRecord>> judged = new LinkedHashMap<>();
    Map<String, List<String>> reasoning = new LinkedHashMap<>();
    for (String mode : List.of("generate", "forced_choice")) {
      roundOne(run, "eval", "stepwise.judge.mode=" + mode, "stepwise.eval.max_new_tokens=64");
      List<GenericRecord> rows = new ArrayList<>();
      List<String> solved = new ArrayList<>();
      for (GenericRecord g : ParquetFiles.read(run.resolve("data/eval_results/round=1"))) {
        if (g.get("benchmark").toString().equals("synthetic-judge")) rows.add(g);
        else solved.add(g.toString());
      }
      rows.sort(Comparator.comparing(g -> g.get("prompt_id").toString()));
      solved.sort(Comparator.naturalOrder());
      judged.put(mode, rows);
      reasoning.put(mode, solved);
      assertThat(stage(run, "eval").metrics()).containsEntry("synthetic-judge/mode", mode);
    }
    assertThat(judged.get("generate")).hasSize(4);
    assertThat(reasoning.get("forced_choice")).isNotEmpty().isEqualTo(reasoning.get("generate"));
    for (GenericRecord g : judged.get("generate")) {
      assertThat(g.get("judge_mode").toString()).isEqualTo("generate");
      assertThat(g.get("verdict_prob")).isNull();
      assertThat((int) g.get("num_tokens")).isPositive();
    }
    for (int i = 0; i < 4; i++) {
      GenericRecord g = judged.get("forced_choice").get(i);
      assertThat(g.get("judge_mode").toString()).isEqualTo("forced_choice");
      assertThat((double) g.get("verdict_prob")).isBetween(0.5, 1.0);
      assertThat((int) g.get("num_tokens")).isZero();
      assertThat(g.get("output").toString())
          .isIn("[[A]]", "[[B]]")
          .isEqualTo("[[" + g.get("predicted") + "]]");
      assertThat(g.get("output")).isNotEqualTo(judged.get("generate").get(i).get("output"));
      assertThat(g.get("correct"))
          .isEqualTo(g.get("predicted").toString().equals(g.get("gold").toString()));
    }
  }

  /** The reference labels of pair_quality (GoldPath.PairLabel counts). */
  static Map<String, Number> pairQuality(Path run) throws Exception {
    Map<String, Number> labels = new LinkedHashMap<>();
    pairQualityMetric(run)
        .forEach(
            (k, v) -> {
              if (v instanceof Number n) labels.put(k, n);
            });
    return labels;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Number> outcomeQuality(Path run) throws Exception {
    return (Map<String, Number>) pairQualityMetric(run).get("outcome");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> pairQualityMetric(Path run) throws Exception {
    return (Map<String, Object>) stage(run, "pairs").metrics().get("pair_quality");
  }

  /** The run's manifest record of a stage. */
  static StageRecord stage(Path run, String name) throws Exception {
    return Manifest.parseStages(Files.readString(run.resolve("run.json"))).stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aLoopStoppedAfterTheSearchResumesWithoutDuplicateOrMissingRows(@TempDir Path tmp)
      throws Exception {
    Path run = afterSft(tmp);
    assertThat(Cli.run(args("stage", run, "search", "--round", "1")).exitCode()).isZero();
    List<String> searched = rows(run.resolve("data/solutions/round=1"));

    Cli.Result resumed = Cli.run(args("run", run));
    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(resumed.out()).contains("| M2 ");
    List<StageRecord> stages = Manifest.parseStages(Files.readString(run.resolve("run.json")));
    assertThat(stages).allSatisfy(s -> assertThat(s.status()).isEqualTo(StageRecord.SUCCEEDED));
    assertThat(rows(run.resolve("data/solutions/round=1"))).isEqualTo(searched).hasSize(24);
    List<GenericRecord> pairs = ParquetFiles.read(run.resolve("data/step_pairs/round=1"));
    assertThat(pairs)
        .isNotEmpty()
        .allSatisfy(
            p -> {
              assertThat(p.get("ref_chosen_logp")).isNotNull();
              assertThat(p.get("full_chosen").toString()).endsWith(p.get("chosen").toString());
            });
    Path m2 = run.resolve("checkpoints/round=2/model.safetensors");
    byte[] trained = Files.readAllBytes(m2);

    // A DPO that diverges fails the stage instead of publishing a non-finite M2.
    Cli.Result diverged =
        Cli.run(
            args(
                "stage",
                run,
                "dpo",
                "--round",
                "1",
                "--set",
                "stepwise.dpo.lr=1e300",
                "--set",
                "stepwise.dpo.steps=1"));
    assertThat(diverged.exitCode()).isNotZero();
    assertThat(diverged.err()).contains("non-finite weight '");
    assertThat(Files.readAllBytes(m2)).isEqualTo(trained);
  }

  @Test
  void aTruncatedM1FailsTheSftStageNamingTheFile(@TempDir Path tmp) throws Exception {
    Path m1 = tmp.resolve("m1");
    Files.createDirectories(m1);
    try (var files = Files.list(Path.of(Cli.tinyM1()))) {
      for (Path f : files.toList()) Files.copy(f, m1.resolve(f.getFileName()));
    }
    Path weights = m1.resolve("model.safetensors");
    byte[] bytes = Files.readAllBytes(weights);
    Files.write(weights, Arrays.copyOf(bytes, bytes.length / 2));
    Path run = tmp.resolve("run");

    String[] args = args("stage", run, "sft");
    args[List.of(args).indexOf("stepwise.model.m1=" + Cli.tinyM1())] = "stepwise.model.m1=" + m1;
    Cli.Result r = Cli.run(args);
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err().strip())
        .startsWith("stepwise: error: not publishing ")
        .contains(weights + ": tensor '")
        .contains("(truncated file?)")
        .doesNotContain("\n");
    assertThat(run.resolve("checkpoints/round=1")).doesNotExist();
    assertThat(stage(run, "sft").status()).isEqualTo(StageRecord.FAILED);
  }
}
