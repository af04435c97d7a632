package dev.stepwise.spark.runtime;

import dev.stepwise.spark.config.StepwiseConfig;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.hadoop.fs.Path;

/**
 * Runs a stage and records it in run.json: "running" before, then "succeeded" with its
 * outputs and metrics, or "failed" with the reason. Also writes the resolved config.conf.
 */
public final class StageRunner {
  private final RunLayout layout;
  private final StepwiseConfig config;

  @Inject
  public StageRunner(RunLayout layout, StepwiseConfig config) {
    this.layout = layout;
    this.config = config;
  }

  /** What a stage body reports back. */
  public static final class Stage {
    private final Map<String, String> outputs = new LinkedHashMap<>();
    private final Map<String, Object> metrics = new LinkedHashMap<>();
    private final RunLayout layout;

    private Stage(RunLayout layout) {
      this.layout = layout;
    }

    public void output(String dataset, Path path) {
      outputs.put(dataset, layout.relative(path));
    }

    public void metric(String name, Object value) {
      metrics.put(name, value);
    }
  }

  public <T> T run(String name, Integer round, List<String> inputs, Function<Stage, T> body) {
    layout.writeAtomically(layout.configConf(), config.render());
    String started = Instant.now().toString();
    Manifest manifest = Manifest.load(layout);
    manifest.put(new StageRecord(name, round, StageRecord.RUNNING, started, null, config.hash(), inputs, Map.of(), Map.of(), null));
    manifest.save(layout);
    Stage stage = new Stage(layout);
    try {
      T result = body.apply(stage);
      record(name, round, StageRecord.SUCCEEDED, started, inputs, stage, null);
      return result;
    } catch (Throwable e) { // Spark's SparkException is checked but thrown through Java calls all the same
      record(name, round, StageRecord.FAILED, started, inputs, stage, StepwiseException.oneLine(e));
      throw e;
    }
  }

  private void record(String name, Integer round, String status, String started, List<String> inputs, Stage stage,
      String error) {
    Manifest manifest = Manifest.load(layout);
    manifest.put(new StageRecord(name, round, status, started, Instant.now().toString(), config.hash(), inputs,
        stage.outputs, stage.metrics, error));
    manifest.save(layout);
  }
}
