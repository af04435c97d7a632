package dev.stepwise.spark.jobs.multilingual;

import dev.stepwise.multilingual.TranslationPair;
import dev.stepwise.spark.runtime.BarrierTraining;
import dev.stepwise.spark.runtime.TaskTraining;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.train.SftExample;
import dev.stepwise.train.SftObjective;
import dev.stepwise.train.TrainSettings;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.util.SerializableConfiguration;

/**
 * One worker of QT alignment training: SFT on the (input, target) pairs through the shared
 * barrier-task trainer (sharding, weight averaging, worker 0 publishing to {@code out}). The pairs
 * travel inside the task: QT data is questions only (a few MB for the paper's 20k pairs).
 */
record AlignTrainingTask(
    String from,
    String out,
    String syncDir,
    List<String[]> pairs,
    TrainSettings settings,
    int syncEvery,
    SerializableConfiguration conf)
    implements BarrierTraining.Task {

  @Override
  public Map<String, Double> train(int worker, int workers, BarrierTaskContext context)
      throws IOException {
    Map<String, Double> metrics =
        new LinkedHashMap<>(
            TaskTraining.train(
                from,
                new Path(out),
                new Path(syncDir),
                conf.value(),
                chat -> examples(chat),
                new SftObjective(),
                settings,
                syncEvery,
                worker,
                workers,
                context,
                "align"));
    metrics.put("global_step", (double) settings.totalSteps(Math.max(1, pairs.size() / workers)));
    return metrics;
  }

  private List<SftExample> examples(ChatFormat chat) {
    List<SftExample> examples = new ArrayList<>();
    for (String[] pair : pairs) {
      examples.add(TranslationPair.sftExample(chat, pair[0], pair[1]));
    }
    return examples;
  }
}
