package dev.stepwise.spark;

import dev.stepwise.spark.cli.AlignCommand;
import dev.stepwise.spark.cli.AlignEvalCommand;
import dev.stepwise.spark.cli.BenchCommand;
import dev.stepwise.spark.cli.BenchNeuronsCommand;
import dev.stepwise.spark.cli.DemoCommand;
import dev.stepwise.spark.cli.DoctorCommand;
import dev.stepwise.spark.cli.HelpText;
import dev.stepwise.spark.cli.ImportCommand;
import dev.stepwise.spark.cli.ModelCommand;
import dev.stepwise.spark.cli.NeuronsCommand;
import dev.stepwise.spark.cli.PatsCommand;
import dev.stepwise.spark.cli.PrmCommand;
import dev.stepwise.spark.cli.RunCommand;
import dev.stepwise.spark.cli.SftCommand;
import dev.stepwise.spark.cli.SqlCommand;
import dev.stepwise.spark.cli.StageCommand;
import dev.stepwise.spark.cli.StagesCommand;
import dev.stepwise.spark.cli.StudyCommand;
import dev.stepwise.spark.cli.TranslationPairsCommand;
import dev.stepwise.spark.runtime.RunLock;
import dev.stepwise.spark.runtime.RunLogs;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.train.TorchThreads;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The `stepwise` command, the same under bin/stepwise and spark-submit. Each command is a class in
 * dev.stepwise.spark.cli; add new ones to {@code subcommands}. Exit status: 0 success, 1 failure, 2
 * bad usage.
 */
@Command(
    name = "stepwise",
    mixinStandardHelpOptions = true,
    version = "stepwise 0.1.0",
    description = "Step-by-step reasoning pipelines on Apache Spark.",
    subcommands = {
      ImportCommand.class,
      DemoCommand.class,
      RunCommand.class,
      StageCommand.class,
      StagesCommand.class,
      SqlCommand.class,
      ModelCommand.class,
      SftCommand.class,
      PrmCommand.class,
      PatsCommand.class,
      BenchCommand.class,
      TranslationPairsCommand.class,
      AlignCommand.class,
      AlignEvalCommand.class,
      NeuronsCommand.class,
      BenchNeuronsCommand.class,
      StudyCommand.class,
      DoctorCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  public static void main(String[] args) {
    TorchThreads.byDefault(TorchThreads.available(), false);
    System.exit(
        commandLine(Arrays.asList(args).contains("--verbose") || Arrays.asList(args).contains("-v"))
            .execute(args));
  }

  /**
   * The command line with stepwise's error handling: one line per failure, stack traces only when
   * verbose.
   */
  public static CommandLine commandLine(boolean verbose) {
    CommandLine cl = new CommandLine(new Main());
    HelpText.apply(cl);
    // A command's run lock is held until the command ends, also when the JVM goes on (tests, demo).
    cl.setExecutionStrategy(
        parseResult -> {
          try {
            return new CommandLine.RunLast().execute(parseResult);
          } finally {
            RunLock.releaseAll();
          }
        });
    cl.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (verbose) e.printStackTrace(commandLine.getErr());
          String log = RunLogs.current() == null ? "" : ", or see " + RunLogs.current();
          String hint =
              verbose || StepwiseException.innermostKnown(e) != null
                  ? ""
                  : " (rerun with --verbose for details" + log + ")";
          commandLine.getErr().println("stepwise: error: " + StepwiseException.oneLine(e) + hint);
          return 1;
        });
    return cl;
  }
}
