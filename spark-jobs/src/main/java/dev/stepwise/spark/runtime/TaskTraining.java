package dev.stepwise.spark.runtime;

import dev.stepwise.train.LlamaTrainable;
import dev.stepwise.train.Objective;
import dev.stepwise.train.TrainSettings;
import dev.stepwise.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.BarrierTaskContext;

/**
 * The body of one barrier training task: a private copy of the starting checkpoint, this
 * worker's shard of the examples, the shared trainer (cancellable each step, weights averaged
 * across workers), and worker 0 publishing the result to the run's storage.
 */
public final class TaskTraining {

  private TaskTraining() {}

  /**
   * @param from checkpoint to start from (any Hadoop URI)
   * @param to where worker 0 publishes the trained checkpoint
   * @param syncDir scratch directory for weight averaging on the run's storage
   */
  public static <E> Map<String, Double> train(String from, Path to, Path syncDir, Configuration conf, List<E> examples,
      Objective<E> objective, TrainSettings settings, int syncEvery, int worker, int workers, BarrierTaskContext context,
      String label) throws IOException {
    List<E> shard = new ArrayList<>();
    for (int i = worker; i < examples.size(); i += workers) {
      shard.add(examples.get(i));
    }
    ExecutorModels.Loaded loaded = ExecutorModels.loadFresh(from, conf);
    java.nio.file.Path local = Files.createTempDirectory("stepwise-train-");
    try {
      LlamaTrainable trainable = new LlamaTrainable(loaded.model(), Checkpoints.localize(from, conf));
      WeightAveraging averaging = new WeightAveraging(syncDir, conf, worker, workers, context);
      long started = System.nanoTime();
      Trainer.Listener listener = new Trainer.Listener() {
        @Override
        public void beforeStep(long step) {
          context.killTaskIfInterrupted();
        }

        @Override
        public void afterStep(long step, long total, Map<String, Double> metrics) {
          if (step % syncEvery == 0 || step == total) {
            try {
              averaging.average(step, trainable.parameters());
            } catch (IOException e) {
              throw new StepwiseException("weight averaging failed at step " + step + ": " + e.getMessage(), e);
            }
          }
          if (worker == 0 && (step % 25 == 0 || step == total)) {
            double seconds = (System.nanoTime() - started) / 1e9;
            System.err.printf(Locale.ROOT, "  %s: step %d/%d, loss %.4f, %.2f steps/s, ETA %.0fs%n", label, step, total,
                metrics.get("loss"), step / seconds, (total - step) * seconds / step);
          }
        }
      };
      Trainer.Result result = new Trainer<>(settings, objective, trainable, trainable, listener).train(shard, local);
      if (worker == 0) {
        Checkpoints.publish(local, to, conf);
      }
      return result.lastMetrics();
    } finally {
      Checkpoints.deleteLocal(local);
      loaded.model().close();
      loaded.tokenizer().close();
    }
  }
}
