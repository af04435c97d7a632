package dev.stepwise.spark.jobs.multilingual;

import dev.stepwise.multilingual.TranslationPair;
import dev.stepwise.spark.runtime.BarrierTraining;
import dev.stepwise.spark.runtime.Checkpoints;
import dev.stepwise.spark.runtime.ExecutorModels;
import dev.stepwise.spark.runtime.WeightAveraging;
import dev.stepwise.train.LlamaTrainable;
import dev.stepwise.train.SftExample;
import dev.stepwise.train.SftObjective;
import dev.stepwise.train.TrainSettings;
import dev.stepwise.train.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.util.SerializableConfiguration;

/**
 * One worker of QT alignment training: SFT on its shard of the (input, target) pairs (rows
 * i ≡ worker mod workers), weights averaged across workers every {@code syncEvery} steps and at
 * the end, worker 0 publishing the final HF checkpoint to {@code out}. The pairs travel inside
 * the task: QT data is questions only (a few MB for the paper's 20k pairs).
 *
 * @param settings steps already fixed by the driver, so every worker runs the same number
 */
record AlignTrainingTask(String from, String out, String syncDir, List<String[]> pairs, TrainSettingsData settings, int syncEvery,
    SerializableConfiguration conf) implements BarrierTraining.Task {

  /** TrainSettings' values (the record is not Serializable). */
  record TrainSettingsData(int batchSize, int gradientAccumulation, long steps, double lr, double warmupRatio, double minLrRatio,
      double maxGradNorm, double weightDecay, long seed) implements java.io.Serializable {
    TrainSettings toSettings() {
      return new TrainSettings(batchSize, gradientAccumulation, steps, 0, lr, warmupRatio, minLrRatio, maxGradNorm, weightDecay,
          seed, 10, 0);
    }
  }

  @Override
  public Map<String, Double> train(int worker, int workers, BarrierTaskContext context) throws IOException {
    Configuration hadoop = conf.value();
    ExecutorModels.Loaded loaded = ExecutorModels.loadFresh(from, hadoop);
    java.nio.file.Path local = Files.createTempDirectory("stepwise-align-");
    try (var model = loaded.model()) {
      List<SftExample> examples = new ArrayList<>();
      for (int i = worker; i < pairs.size(); i += workers) {
        examples.add(TranslationPair.sftExample(loaded.chat(), pairs.get(i)[0], pairs.get(i)[1]));
      }
      LlamaTrainable trainable = new LlamaTrainable(model, Checkpoints.localize(from, hadoop));
      WeightAveraging averaging = new WeightAveraging(new Path(syncDir), hadoop, worker, workers, context);
      Trainer.Listener listener = new Trainer.Listener() {
        @Override
        public void beforeStep(long step) {
          context.killTaskIfInterrupted();
        }

        @Override
        public void afterStep(long step, long totalSteps, Map<String, Double> metrics) {
          if (step % syncEvery == 0 || step == totalSteps) {
            try {
              averaging.average(step, trainable.parameters());
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }
        }
      };
      Trainer.Result result = new Trainer<>(settings.toSettings(), new SftObjective(), trainable, trainable, listener)
          .train(examples, local);
      if (worker == 0) Checkpoints.publish(local, new Path(out), hadoop);
      Map<String, Double> metrics = new LinkedHashMap<>(result.lastMetrics());
      metrics.put("global_step", (double) result.steps());
      return metrics;
    } finally {
      Checkpoints.deleteLocal(local);
    }
  }
}
