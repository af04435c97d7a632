package dev.stepwise.spark.cli;

import dev.stepwise.spark.jobs.multilingual.NeuronBenchmark;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `stepwise bench-neurons`: activation recording versus a plain forward pass. */
@Command(
    name = "bench-neurons",
    mixinStandardHelpOptions = true,
    description =
        "Time activation recording against a plain forward over the same stepwise.neurons sequences (target ratio <= 1.30).")
public final class BenchNeuronsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "URI",
      description = "Checkpoint (HF directory).")
  String model;

  @Option(
      names = "--repeats",
      defaultValue = "3",
      description = "Timed passes after one warm-up (best is reported; default 3).")
  int repeats;

  @Override
  public Integer call() {
    NeuronBenchmark.Result r =
        common.injector().getInstance(NeuronBenchmark.class).run(model, repeats);
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "bench-neurons on %s: %d sequences, %d response tokens%n",
        r.device(), r.sequences(), r.tokens());
    out.printf(
        "  forward %.3f s (%.0f tok/s), record %.3f s (%.0f tok/s), record/forward = %.2f%n",
        r.forwardSeconds(),
        r.tokens() / r.forwardSeconds(),
        r.recordSeconds(),
        r.tokens() / r.recordSeconds(),
        r.ratio());
    out.flush();
    return 0;
  }
}
