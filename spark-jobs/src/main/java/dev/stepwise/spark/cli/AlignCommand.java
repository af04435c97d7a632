package dev.stepwise.spark.cli;

import com.google.inject.Injector;
import dev.stepwise.spark.jobs.multilingual.AlignEvalJob;
import dev.stepwise.spark.jobs.multilingual.AlignJob;
import dev.stepwise.spark.jobs.multilingual.NeuronsJob;
import dev.stepwise.spark.jobs.multilingual.TranslationPairsJob;
import dev.stepwise.spark.runtime.RunLayout;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `stepwise align`: translation pairs, QT alignment training, then the before/after table. */
@Command(
    name = "align",
    mixinStandardHelpOptions = true,
    description = {
      "Question-translation alignment (docs/methods.md §D): build the pairs, fine-tune the checkpoint on them",
      "(barrier stage, stepwise.train.workers) and print per-language accuracy before vs after."
    })
public final class AlignCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(
      names = "--from",
      required = true,
      paramLabel = "CHECKPOINT|ROUND",
      description =
          "Checkpoint to align: a round of the run (1 = <run>/checkpoints/round=1) or an HF directory URI.")
  String from;

  @Option(
      names = "--out",
      paramLabel = "URI",
      description = "Where the aligned checkpoint goes (default <run>/checkpoints/align/round=R).")
  String out;

  @Option(names = "--no-eval", description = "Skip the before/after evaluation.")
  boolean noEval;

  @Override
  public Integer call() {
    Injector injector = common.injector();
    RunLayout layout = injector.getInstance(RunLayout.class);
    boolean isRound = from.matches("\\d+");
    String fromUri = isRound ? layout.checkpoint(Integer.parseInt(from)).toString() : from;
    int round = isRound ? Integer.parseInt(from) : NeuronsJob.roundOf(fromUri);
    AlignJob align = injector.getInstance(AlignJob.class);
    Path outPath = out != null ? new Path(out) : align.alignedCheckpoint(round);
    PrintWriter printer = spec.commandLine().getOut();
    MultilingualReports.printPairs(printer, injector.getInstance(TranslationPairsJob.class).run());
    AlignJob.Result trained = align.run(fromUri, outPath, round);
    MultilingualReports.printMetrics(
        printer,
        "aligned checkpoint " + trained.checkpoint() + " (" + trained.pairs() + " pairs)",
        trained.metrics());
    if (!noEval) {
      MultilingualReports.printAlignEval(
          printer,
          injector
              .getInstance(AlignEvalJob.class)
              .run(
                  round,
                  layout.relative(new Path(fromUri)),
                  fromUri,
                  layout.relative(outPath),
                  outPath.toString()));
    }
    return 0;
  }
}
