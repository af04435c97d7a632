package dev.stepwise.spark.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** `stepwise prm train|score`: process reward models on one machine. */
@Command(
    name = "prm",
    mixinStandardHelpOptions = true,
    description =
        "Train a process reward model on step-labelled solutions, or score partial solutions with one"
            + " (runs locally).",
    subcommands = {PrmTrainCommand.class, PrmScoreCommand.class})
public final class PrmCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing subcommand: train or score");
  }
}
