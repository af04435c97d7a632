package dev.stepwise.spark.runtime;

import ai.djl.ndarray.NDArray;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.train.LlamaTrainable;
import dev.stepwise.train.Objective;
import dev.stepwise.train.ProgressLog;
import dev.stepwise.train.Shard;
import dev.stepwise.train.TrainSettings;
import dev.stepwise.train.Trainer;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.BarrierTaskContext;

/**
 * The body of one barrier training task: a private copy of the starting checkpoint, this worker's
 * shard of the examples, the shared trainer (cancellable each step, weights averaged across
 * workers), and worker 0 publishing the result to the run's storage.
 */
public final class TaskTraining {

  private TaskTraining() {}

  /**
   * What a task trains on its private model, writing the final weights to {@code local};
   * serializable, as it travels to the task.
   */
  @FunctionalInterface
  public interface Body extends Serializable {
    /**
     * @param pointer where the model came from (a new LoRA adapter's base)
     * @param updates the listener of every training run the body starts
     */
    Map<String, Double> train(
        ExecutorModels.Loaded loaded,
        String pointer,
        Shard shard,
        Updates updates,
        java.nio.file.Path local)
        throws IOException;
  }

  /**
   * Listeners that stop a killed task, average the trained weights across workers every {@code
   * syncEvery} updates and at the end of each run, and print progress on worker 0; updates are
   * counted across all the runs of a task (the passes of an SFT recipe), so averaging rounds never
   * meet twice.
   */
  public static final class Updates {
    private final WeightAveraging averaging;
    private final BarrierTaskContext context;
    private final int syncEvery, worker;
    private long count;

    Updates(WeightAveraging averaging, BarrierTaskContext context, int syncEvery, int worker) {
      this.averaging = averaging;
      this.context = context;
      this.syncEvery = syncEvery;
      this.worker = worker;
    }

    /**
     * @param tokensPerStep non-padding tokens of one update for the progress line (0 = unknown)
     * @param parameters the weights the run trains
     */
    public Trainer.Listener listener(
        String label, double tokensPerStep, Map<String, NDArray> parameters) {
      ProgressLog progress = new ProgressLog(System.err::println, "  " + label, 25, tokensPerStep);
      return new Trainer.Listener() {
        @Override
        public void beforeStep(long step) {
          context.killTaskIfInterrupted();
          progress.beforeStep(step);
        }

        @Override
        public void afterStep(long step, long total, Map<String, Double> metrics) {
          count++;
          if (step % syncEvery == 0 || step == total) {
            try {
              averaging.average(count, parameters);
            } catch (IOException e) {
              throw new StepwiseException(
                  "weight averaging failed at step " + step + ": " + e.getMessage(), e);
            }
          }
          if (worker == 0) progress.afterStep(step, total, metrics);
        }
      };
    }
  }

  /**
   * Trains the checkpoint {@code from} with {@code body} and publishes the result to {@code to}.
   *
   * @param from checkpoint to start from (any Hadoop URI)
   * @param to where worker 0 publishes the trained checkpoint
   * @param syncDir scratch directory for weight averaging on the run's storage
   */
  public static Map<String, Double> run(
      String from,
      Path to,
      Path syncDir,
      Configuration conf,
      int syncEvery,
      int worker,
      int workers,
      BarrierTaskContext context,
      Body body)
      throws IOException {
    ExecutorModels.Loaded loaded = ExecutorModels.loadFresh(from, conf);
    java.nio.file.Path local = Files.createTempDirectory("stepwise-train-");
    try {
      Updates updates =
          new Updates(
              new WeightAveraging(syncDir, conf, worker, workers, context),
              context,
              syncEvery,
              worker);
      Map<String, Double> metrics =
          body.train(
              loaded, Checkpoints.pointer(from, conf), new Shard(worker, workers), updates, local);
      if (worker == 0) {
        Checkpoints.publish(local, to, conf);
      }
      return metrics;
    } finally {
      Checkpoints.deleteLocal(local);
      loaded.model().close();
      loaded.tokenizer().close();
    }
  }

  /**
   * One training run over {@code examples}, built with the model's chat format (every worker builds
   * all of them; worker w trains on rows i with i mod workers == w).
   */
  public static <E> Map<String, Double> train(
      String from,
      Path to,
      Path syncDir,
      Configuration conf,
      Function<ChatFormat, List<E>> examples,
      Objective<E> objective,
      TrainSettings settings,
      int syncEvery,
      int worker,
      int workers,
      BarrierTaskContext context,
      String label)
      throws IOException {
    return run(
        from,
        to,
        syncDir,
        conf,
        syncEvery,
        worker,
        workers,
        context,
        (loaded, pointer, shard, updates, local) -> {
          // Examples are tokenized here, with the checkpoint's own tokenizer, so they match the
          // model.
          List<E> all = examples.apply(loaded.chat());
          // With LoRA only the adapter is trained, averaged across workers and published (an
          // adapter directory whose base is `from`, or `from`'s own base when `from` is one).
          LlamaTrainable trainable =
              new LlamaTrainable(loaded.model(), loaded.tokenizerDir(), settings, pointer);
          return new Trainer<>(
                  shard.settings(settings, all.size()),
                  objective,
                  trainable,
                  trainable,
                  updates.listener(label, 0, trainable.parameters()))
              .train(shard.of(all), local)
              .lastMetrics();
        });
  }
}
