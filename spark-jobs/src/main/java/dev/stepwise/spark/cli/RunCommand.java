package dev.stepwise.spark.cli;

import com.google.inject.Injector;
import dev.stepwise.spark.jobs.multilingual.AlignReport;
import dev.stepwise.spark.loop.RoundReport;
import dev.stepwise.spark.loop.SelfRewardLoop;
import dev.stepwise.spark.runtime.RunLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `stepwise run`: the self-rewarding loop, resuming at the first stage that has not succeeded. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run process-based self-rewarding: tasks -> sft -> eval, then per round",
      "search -> pairs -> ref -> dpo -> eval. Stages that already succeeded in the run with the same",
      "config sections and outside inputs are skipped, so rerunning after a failure resumes where it",
      "stopped; a changed stage and every stage after it run again, saying why. Ends with the per-round table",
      "(also in <run>/reports/report.md, with rounds.png); with stepwise.align.enabled, then the",
      "before/after alignment table (<run>/reports/multilingual.md, with multilingual.png)."
    })
public final class RunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(
      names = "--force-stage",
      paramLabel = "NAME",
      description =
          "Run this stage again in every round even if it succeeded, and every stage after it (repeatable).")
  Set<String> force = new LinkedHashSet<>();

  @Override
  public Integer call() throws IOException {
    return runLoop(common.injector(), spec.commandLine().getOut(), force);
  }

  static int runLoop(Injector injector, PrintWriter out) throws IOException {
    return runLoop(injector, out, Set.of());
  }

  static int runLoop(Injector injector, PrintWriter out, Set<String> force) throws IOException {
    SelfRewardLoop loop = injector.getInstance(SelfRewardLoop.class);
    out.println("stepwise run: " + injector.getInstance(RunLayout.class).root());
    out.flush();
    loop.run(out, force);
    out.println(injector.getInstance(RoundReport.class).write());
    Optional<Integer> aligned = loop.alignRound();
    if (aligned.isPresent()) {
      out.println("Question-translation alignment (reports/multilingual.md):");
      out.println(injector.getInstance(AlignReport.class).write(aligned.get()));
    }
    out.flush();
    return 0;
  }
}
