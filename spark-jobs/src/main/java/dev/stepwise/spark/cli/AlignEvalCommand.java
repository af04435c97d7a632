package dev.stepwise.spark.cli;

import com.google.inject.Injector;
import dev.stepwise.spark.jobs.multilingual.AlignEvalJob;
import dev.stepwise.spark.jobs.multilingual.NeuronsJob;
import dev.stepwise.spark.runtime.RunLayout;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `stepwise align-eval`: the spontaneous-alignment table of two checkpoints. */
@Command(
    name = "align-eval",
    mixinStandardHelpOptions = true,
    description = {
      "Greedy accuracy per language before vs after alignment on the synthetic eval split and MGSM,",
      "grouped into trained (stepwise.align.languages), unseen and pivot languages; rows into eval_results."
    })
public final class AlignEvalCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(
      names = "--before",
      required = true,
      paramLabel = "URI",
      description = "The unaligned checkpoint.")
  String before;

  @Option(
      names = "--after",
      required = true,
      paramLabel = "URI",
      description = "The aligned checkpoint.")
  String after;

  @Option(
      names = "--round",
      description = "eval_results round (default: the round=R in --before, else 0).")
  Integer round;

  @Override
  public Integer call() {
    Injector injector = common.injector();
    RunLayout layout = injector.getInstance(RunLayout.class);
    int r = round != null ? round : NeuronsJob.roundOf(before);
    MultilingualReports.printAlignEval(
        spec.commandLine().getOut(),
        injector
            .getInstance(AlignEvalJob.class)
            .run(
                r,
                layout.relative(new Path(before)),
                before,
                layout.relative(new Path(after)),
                after));
    return 0;
  }
}
