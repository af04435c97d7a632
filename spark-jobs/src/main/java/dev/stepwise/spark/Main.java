package dev.stepwise.spark;

import com.typesafe.config.ConfigException;
import dev.stepwise.schemas.SchemaMismatchException;
import dev.stepwise.spark.cli.AlignCommand;
import dev.stepwise.spark.cli.AlignEvalCommand;
import dev.stepwise.spark.cli.BenchCommand;
import dev.stepwise.spark.cli.BenchNeuronsCommand;
import dev.stepwise.spark.cli.DemoCommand;
import dev.stepwise.spark.cli.ImportCommand;
import dev.stepwise.spark.cli.ModelCommand;
import dev.stepwise.spark.cli.NeuronsCommand;
import dev.stepwise.spark.cli.RunCommand;
import dev.stepwise.spark.cli.SftCommand;
import dev.stepwise.spark.cli.SqlCommand;
import dev.stepwise.spark.cli.StageCommand;
import dev.stepwise.spark.cli.StagesCommand;
import dev.stepwise.spark.cli.TranslationPairsCommand;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.train.TorchThreads;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The `stepwise` command, the same under bin/stepwise and spark-submit. Each command is a
 * class in dev.stepwise.spark.cli; add new ones to {@code subcommands}.
 * Exit status: 0 success, 1 failure, 2 bad usage.
 */
@Command(name = "stepwise", mixinStandardHelpOptions = true, version = "stepwise 0.1.0",
    description = "Step-by-step reasoning pipelines on Apache Spark.",
    subcommands = {ImportCommand.class, DemoCommand.class, RunCommand.class, StageCommand.class, StagesCommand.class, SqlCommand.class, ModelCommand.class,
        SftCommand.class, BenchCommand.class, TranslationPairsCommand.class, AlignCommand.class, AlignEvalCommand.class,
        NeuronsCommand.class, BenchNeuronsCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  public static void main(String[] args) {
    TorchThreads.byDefault(TorchThreads.available(), false);
    System.exit(commandLine(Arrays.asList(args).contains("--verbose") || Arrays.asList(args).contains("-v")).execute(args));
  }

  /** The command line with stepwise's error handling: one line per failure, stack traces only when verbose. */
  public static CommandLine commandLine(boolean verbose) {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (verbose) e.printStackTrace(commandLine.getErr());
      Throwable known = innermostKnown(e);
      String hint = verbose || known != null ? "" : " (rerun with --verbose for details)";
      commandLine.getErr().println("stepwise: error: " + describe(e, known) + hint);
      return 1;
    });
    return cl;
  }

  /** Guice and Spark wrap the real failure; the innermost one the user can act on says what to fix. */
  private static Throwable innermostKnown(Throwable e) {
    Throwable known = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StepwiseException || t instanceof ConfigException || t instanceof SchemaMismatchException) known = t;
    }
    return known;
  }

  private static String describe(Throwable e, Throwable known) {
    if (known != null) return known.getMessage();
    Throwable root = e;
    while (root.getCause() != null) root = root.getCause();
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }
}
