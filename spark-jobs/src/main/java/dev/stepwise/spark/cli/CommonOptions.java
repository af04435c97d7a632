package dev.stepwise.spark.cli;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import dev.stepwise.spark.config.ConfigModule;
import dev.stepwise.spark.config.StepwiseConfig;
import dev.stepwise.spark.runtime.SparkModule;
import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every command takes: configuration, run directory, Spark master, verbosity. */
public final class CommonOptions {
  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "HOCON file overriding conf/pipeline.conf.")
  File config;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description =
          "Override one config key, e.g. --set stepwise.import.max_chars=4000 (repeatable).")
  Map<String, String> sets = new LinkedHashMap<>();

  @Option(
      names = "--run",
      paramLabel = "DIR",
      description = "Run directory, any Hadoop URI (stepwise.run.dir; default runs/demo).")
  String run;

  @Option(
      names = "--master",
      paramLabel = "URL",
      description =
          "Spark master when not under spark-submit (stepwise.spark.master; default local[*]).")
  String master;

  @Option(
      names = {"-v", "--verbose"},
      description = "Print stack traces on errors.")
  boolean verbose;

  /** The resolved configuration: reference, then --config, then --set, then --run/--master. */
  public StepwiseConfig config() {
    Map<String, String> all = new LinkedHashMap<>(sets);
    if (run != null) all.put("stepwise.run.dir", run);
    if (master != null) all.put("stepwise.spark.master", master);
    return StepwiseConfig.load(config, all);
  }

  /**
   * Command flags that stand for config keys ({@code "sft.steps" -> 600} sets {@code
   * stepwise.sft.steps}), as --set would; null values (flags not given) are skipped.
   */
  void setFlags(Map<String, Object> flags) {
    flags.forEach(
        (key, value) -> {
          if (value != null) sets.put("stepwise." + key, value.toString());
        });
  }

  /** The command's object graph; Spark starts only when something asks for it. */
  public Injector injector(Module... extra) {
    List<Module> modules = new ArrayList<>(List.of(new ConfigModule(config()), new SparkModule()));
    modules.addAll(List.of(extra));
    return Guice.createInjector(modules);
  }
}
