package dev.stepwise.spark.runtime;

import dev.stepwise.text.ChatFormat;
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
   * @param from checkpoint to start from (any Hadoop URI)
   * @param to where worker 0 publishes the trained checkpoint
   * @param syncDir scratch directory for weight averaging on the run's storage
   * @param examples builds the training examples with the model's chat format (every worker builds
   *     all of them; worker w trains on rows i with i mod workers == w)
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
    ExecutorModels.Loaded loaded = ExecutorModels.loadFresh(from, conf);
    // Examples are tokenized here, with the checkpoint's own tokenizer, so they match the model.
    List<E> all = examples.apply(loaded.chat());
    List<E> shard = new ArrayList<>();
    for (int i = worker; i < all.size(); i += workers) {
      shard.add(all.get(i));
    }
    // Every worker runs the same number of steps: they meet at each averaging barrier.
    TrainSettings fixed =
        withSteps(settings, settings.totalSteps(Math.max(1, all.size() / workers)));
    java.nio.file.Path local = Files.createTempDirectory("stepwise-train-");
    try {
      // With LoRA only the adapter is trained, averaged across workers and published (an adapter
      // directory whose base is `from`, or `from`'s own base when `from` is an adapter).
      LlamaTrainable trainable =
          new LlamaTrainable(
              loaded.model(), loaded.tokenizerDir(), settings, Checkpoints.pointer(from, conf));
      WeightAveraging averaging = new WeightAveraging(syncDir, conf, worker, workers, context);
      long started = System.nanoTime();
      Trainer.Listener listener =
          new Trainer.Listener() {
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
                  throw new StepwiseException(
                      "weight averaging failed at step " + step + ": " + e.getMessage(), e);
                }
              }
              if (worker == 0 && (step % 25 == 0 || step == total)) {
                double seconds = (System.nanoTime() - started) / 1e9;
                System.err.printf(
                    Locale.ROOT,
                    "  %s: step %d/%d, loss %.4f, %.2f steps/s, ETA %.0fs%n",
                    label,
                    step,
                    total,
                    metrics.get("loss"),
                    step / seconds,
                    (total - step) * seconds / step);
              }
            }
          };
      Trainer.Result result =
          new Trainer<>(fixed, objective, trainable, trainable, listener).train(shard, local);
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

  private static TrainSettings withSteps(TrainSettings s, long steps) {
    return new TrainSettings(
        s.batchSize(),
        s.gradientAccumulation(),
        steps,
        0,
        s.learningRate(),
        s.warmupRatio(),
        s.minLrRatio(),
        s.maxGradNorm(),
        s.weightDecay(),
        s.seed(),
        s.logEvery(),
        s.saveEvery(),
        s.freezeEmbeddings(),
        s.lora(),
        s.activationCheckpointing());
  }
}
