package dev.stepwise.spark.cli;

import com.google.inject.Injector;
import dev.stepwise.spark.jobs.study.EdtStudyJob;
import dev.stepwise.spark.runtime.Checkpoints;
import dev.stepwise.spark.runtime.RunLayout;
import dev.stepwise.spark.runtime.StepwiseException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `stepwise study edt`: fixed temperatures against EDT on quality and diversity. */
@Command(
    name = "edt",
    mixinStandardHelpOptions = true,
    description = {
      "The EDT study (docs/methods.md §C): k samples per held-out prompt under each fixed temperature and",
      "each EDT setting (T0 x theta, token and instance level) of stepwise.study.edt; accuracy, majority",
      "vote, distinct answers, Self-BLEU and the EDA-proxy per strategy. Rows into data/edt_samples,",
      "the table and a chart into reports/edt.md and edt.png."
    })
public final class StudyEdtCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(
      names = "--model",
      paramLabel = "URI",
      description = "Checkpoint to sample (HF directory, any Hadoop URI; default: the run's M1).")
  String model;

  @Override
  public Integer call() {
    Injector injector = common.injector();
    RunLayout layout = injector.getInstance(RunLayout.class);
    String uri = model;
    if (uri == null) {
      var m1 = layout.checkpoint(1);
      if (!Checkpoints.exists(
          m1, injector.getInstance(SparkSession.class).sparkContext().hadoopConfiguration())) {
        throw new StepwiseException(
            "the run has no M1 (" + m1 + "): pass --model DIR, e.g. --model models/tiny-m1");
      }
      uri = m1.toString();
    }
    EdtStudyJob.Result r = injector.getInstance(EdtStudyJob.class).run(uri);
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "EDT study of %s: %d prompts x %d samples per strategy (reports/edt.md)%n%n",
        uri, r.problems(), r.samples());
    out.print(r.report());
    out.flush();
    return 0;
  }
}
