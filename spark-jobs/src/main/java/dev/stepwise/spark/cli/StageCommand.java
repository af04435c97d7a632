package dev.stepwise.spark.cli;

import com.google.inject.Injector;
import dev.stepwise.spark.config.RunConfig;
import dev.stepwise.spark.loop.LoopPlan;
import dev.stepwise.spark.loop.SelfRewardLoop;
import dev.stepwise.spark.runtime.StepwiseException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * `stepwise stage NAME --round R`: one stage of the loop, for schedulers that run a stage per task.
 */
@Command(
    name = "stage",
    mixinStandardHelpOptions = true,
    description = {
      "Run one stage of the loop (again): tasks, sft, search, pairs, ref, dpo, eval, align, pats.",
      "Idempotent: it replaces the stage's outputs and its run.json entry. Per-round stages need --round.",
      "Fails, naming it, when the stage it reads from (e.g. search for pairs) has not succeeded."
    })
public final class StageCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "NAME",
      description = "tasks, sft, search, pairs, ref, dpo, eval, align or pats.")
  String name;

  @Option(
      names = "--round",
      paramLabel = "R",
      description = "Round (search/pairs/ref/dpo/pats: uses M_R; eval: evaluates M_R).")
  Integer round;

  @Option(
      names = "--dry-run",
      description =
          "Parse and validate the arguments and configuration, and check that the "
              + "stage is in the loop's plan; run nothing, start no Spark.")
  boolean dryRun;

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Override
  public Integer call() {
    LoopPlan.Step step;
    try {
      step = LoopPlan.step(name, round);
    } catch (StepwiseException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage()); // bad usage: exit 2
    }
    Injector injector = common.injector();
    if (dryRun) {
      if (!injector.getInstance(LoopPlan.class).steps().contains(step)) {
        throw new StepwiseException(
            "stage " + step + " is not in this configuration's plan; see `stepwise stages`");
      }
      spec.commandLine()
          .getOut()
          .println(
              "stage "
                  + step
                  + ": valid, would run on "
                  + injector.getInstance(RunConfig.class).dir());
      return 0;
    }
    injector.getInstance(SelfRewardLoop.class).runStage(name, round);
    return 0;
  }
}
