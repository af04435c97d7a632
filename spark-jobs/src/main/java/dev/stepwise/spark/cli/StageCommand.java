package dev.stepwise.spark.cli;

import dev.stepwise.spark.loop.SelfRewardLoop;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `stepwise stage NAME --round R`: one stage of the loop, for schedulers that run a stage per task. */
@Command(name = "stage", mixinStandardHelpOptions = true,
    description = {"Run one stage of the loop (again): tasks, sft, search, pairs, ref, dpo, eval, align.",
        "Idempotent: it replaces the stage's outputs and its run.json entry. Per-round stages need --round.",
        "Fails, naming it, when the stage it reads from (e.g. search for pairs) has not succeeded."})
public final class StageCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "NAME", description = "tasks, sft, search, pairs, ref, dpo, eval or align.")
  String name;

  @Option(names = "--round", paramLabel = "R", description = "Round (search/pairs/ref/dpo: uses M_R; eval: evaluates M_R).")
  Integer round;

  @Mixin CommonOptions common;

  @Override
  public Integer call() {
    common.injector().getInstance(SelfRewardLoop.class).runStage(name, round);
    return 0;
  }
}
