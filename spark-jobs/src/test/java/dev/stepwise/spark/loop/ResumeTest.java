package dev.stepwise.spark.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stepwise.spark.Cli;
import dev.stepwise.spark.runtime.Manifest;
import dev.stepwise.spark.runtime.StageRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resuming compares what each finished stage ran with; single stages check their input stage. */
class ResumeTest {

  private static String[] runArgs(Path run, String... extra) {
    List<String> args = new ArrayList<>(List.of("run"));
    args.addAll(SelfRewardLoopTest.micro(run));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  private static Map<String, StageRecord> stages(Path run) throws Exception {
    return Manifest.parseStages(Files.readString(run.resolve("run.json"))).stream()
        .collect(Collectors.toMap(StageRecord::key, Function.identity()));
  }

  @Test
  void aChangedStageAndEveryStageAfterItRunAgainSayingWhy(@TempDir Path tmp) throws Exception {
    Path run = tmp.resolve("run");
    Cli.Result first = Cli.run(runArgs(run));
    assertThat(first.exitCode()).as(first.err() + first.out()).isZero();
    Map<String, StageRecord> before = stages(run);
    assertThat(before.get("pairs@round=1").sections())
        .containsOnlyKeys("stepwise.run.seed", "stepwise.pairs");

    Cli.Result same = Cli.run(runArgs(run, "--set", "stepwise.spark.ui=false"));
    assertThat(same.exitCode()).as(same.err()).isZero();
    assertThat(same.out()).doesNotContain("> ").contains("= dpo (round 1): already done");

    Cli.Result changed = Cli.run(runArgs(run, "--set", "stepwise.pairs.min_margin=2"));
    assertThat(changed.exitCode()).as(changed.err() + changed.out()).isZero();
    assertThat(changed.out())
        .contains(
            "= tasks: already done",
            "= sft: already done",
            "= eval (round 1): already done",
            "= search (round 1): already done",
            "> pairs (round 1) (again: config changed: stepwise.pairs)",
            "> ref (round 1) (again: pairs (round 1) ran again)",
            "> dpo (round 1) (again: pairs (round 1) ran again)",
            "> eval (round 2) (again: pairs (round 1) ran again)");
    Map<String, StageRecord> after = stages(run);
    for (String unchanged : List.of("tasks", "sft", "eval@round=1", "search@round=1")) {
      assertThat(after.get(unchanged).finished())
          .as(unchanged)
          .isEqualTo(before.get(unchanged).finished());
    }
    for (String rerun : List.of("pairs@round=1", "ref@round=1", "dpo@round=1", "eval@round=2")) {
      assertThat(after.get(rerun).started())
          .as(rerun)
          .isGreaterThan(before.get("eval@round=2").finished());
    }

    Cli.Result forced =
        Cli.run(runArgs(run, "--set", "stepwise.pairs.min_margin=2", "--force-stage", "dpo"));
    assertThat(forced.exitCode()).as(forced.err()).isZero();
    assertThat(forced.out())
        .contains(
            "= ref (round 1): already done",
            "> dpo (round 1) (again: --force-stage dpo)",
            "> eval (round 2) (again: dpo (round 1) ran again)");

    Cli.Result unknown = Cli.run(runArgs(run, "--force-stage", "serch"));
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.err().strip())
        .startsWith("stepwise: error: unknown stage 'serch'; stages: tasks, sft, search");
  }

  @Test
  void aStageWhoseInputStageHasNotSucceededFailsNamingIt(@TempDir Path tmp) throws Exception {
    Path run = tmp.resolve("run");
    Cli.Result pairs = Cli.run("stage", "pairs", "--round", "1", "--run", run.toString());
    assertThat(pairs.exitCode()).isEqualTo(1);
    assertThat(pairs.err().strip())
        .isEqualTo(
            "stepwise: error: stage pairs (round 1) needs search (round 1), which has not"
                + " succeeded in file:"
                + run
                + "; run `stepwise stage search --round 1` (or `stepwise run`) first");
    Cli.Result search = Cli.run("stage", "search", "--round", "2", "--run", run.toString());
    assertThat(search.err())
        .contains("stage search (round 2) needs dpo (round 1), which has not succeeded");
    Cli.Result eval = Cli.run("stage", "eval", "--round", "1", "--run", run.toString());
    assertThat(eval.err())
        .contains(
            "stage eval (round 1) needs sft, which has not succeeded", "`stepwise stage sft`");
    assertThat(run.resolve("run.json")).doesNotExist();
  }
}
