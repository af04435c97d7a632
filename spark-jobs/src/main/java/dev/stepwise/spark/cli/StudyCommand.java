package dev.stepwise.spark.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** `stepwise study edt`: studies of a method on a run's held-out prompts. */
@Command(
    name = "study",
    mixinStandardHelpOptions = true,
    description = "Studies of a method on a run's held-out prompts, as Spark jobs.",
    subcommands = StudyEdtCommand.class)
public final class StudyCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing subcommand: edt");
  }
}
