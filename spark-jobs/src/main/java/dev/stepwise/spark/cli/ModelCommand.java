package dev.stepwise.spark.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** `stepwise model init|generate|score|merge`: HF model directories on one machine, no Spark. */
@Command(
    name = "model",
    mixinStandardHelpOptions = true,
    description =
        "Create, sample from, score and merge (LoRA) HF model directories (runs locally, no Spark).",
    subcommands = {
      ModelInitCommand.class,
      ModelGenerateCommand.class,
      ModelScoreCommand.class,
      ModelMergeCommand.class
    })
public final class ModelCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "missing subcommand: init, generate, score or merge");
  }
}
