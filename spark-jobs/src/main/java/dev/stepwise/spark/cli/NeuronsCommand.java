package dev.stepwise.spark.cli;

import com.google.inject.Injector;
import dev.stepwise.spark.jobs.multilingual.NeuronDeactivation;
import dev.stepwise.spark.jobs.multilingual.NeuronsJob;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `stepwise neurons`: language-specific, -related and general neurons of a checkpoint. */
@Command(
    name = "neurons",
    mixinStandardHelpOptions = true,
    description = {
      "Language neurons (docs/methods.md §E): record activations on the executors, classify, write neuron_stats",
      "and charts into <run>/reports/, print the four-stage table; --compare adds the before/after comparison."
    })
public final class NeuronsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "URI",
      description = "Checkpoint to analyze (HF directory, any Hadoop URI).")
  String model;

  @Option(
      names = "--compare",
      paramLabel = "URI",
      description = "A second checkpoint (e.g. the aligned one), measured on the same responses.")
  String compare;

  @Option(
      names = "--deactivate",
      paramLabel = "LANG",
      description =
          "Zero LANG's neurons of --model and report accuracy and perplexity per language.")
  String deactivate;

  @Override
  public Integer call() {
    Injector injector = common.injector();
    NeuronsJob.Result result = injector.getInstance(NeuronsJob.class).run(model, compare);
    MultilingualReports.printNeurons(spec.commandLine().getOut(), result);
    if (deactivate != null) {
      MultilingualReports.printDeactivation(
          spec.commandLine().getOut(),
          injector
              .getInstance(NeuronDeactivation.class)
              .run(model, result.model().report(), deactivate));
    }
    return 0;
  }
}
