package dev.stepwise.spark.jobs.selfreward;

import static org.apache.spark.sql.functions.col;

import dev.stepwise.model.CompletionScorer;
import dev.stepwise.schemas.Datasets;
import dev.stepwise.schemas.Rows;
import dev.stepwise.selfreward.StepPairTokens;
import dev.stepwise.spark.config.PromptsConfig;
import dev.stepwise.spark.config.SelfRewardConfig;
import dev.stepwise.spark.runtime.Checkpoints;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.ExecutorModels;
import dev.stepwise.spark.runtime.Manifest;
import dev.stepwise.spark.runtime.Progress;
import dev.stepwise.spark.runtime.RunLayout;
import dev.stepwise.spark.runtime.StageRunner;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.text.PromptTemplates;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Stage "ref" of round R: log-probs of every pair's chosen and rejected step under the frozen M_R,
 * scored on the executors, written into {@code step_pairs} with the model's content id. Skipped
 * when the pairs already carry reference log-probs of this exact checkpoint; fails when the round's
 * pairs are fewer than the pairs stage wrote.
 */
public final class RefStage {

  private final SparkSession spark;
  private final DatasetIO io;
  private final RunLayout layout;
  private final StageRunner runner;
  private final SelfRewardConfig config;
  private final PromptsConfig prompts;

  @Inject
  RefStage(
      SparkSession spark,
      DatasetIO io,
      RunLayout layout,
      StageRunner runner,
      SelfRewardConfig config,
      PromptsConfig prompts) {
    this.spark = spark;
    this.io = io;
    this.layout = layout;
    this.runner = runner;
    this.config = config;
    this.prompts = prompts;
  }

  public void run(int round) {
    String model = layout.checkpoint(round).toString();
    runner.run(
        "ref",
        round,
        List.of(model, io.pathOf(Datasets.STEP_PAIRS).toString()),
        stage -> {
          SerializableConfiguration hadoop =
              new SerializableConfiguration(spark.sparkContext().hadoopConfiguration());
          String modelId = Checkpoints.contentId(model, hadoop.value());
          Dataset<Row> pairs =
              io.readIfAny(Datasets.STEP_PAIRS).filter(col("round").equalTo(round));
          long total = pairs.count();
          requireAllPairs(round, total);
          long current = pairs.filter(col("ref_model_id").equalTo(modelId)).count();
          stage.metric("ref_model_id", modelId);
          stage.metric("pairs", total);
          if (total > 0 && total == current) {
            stage.metric("skipped", true);
            return null;
          }
          int batch = config.generationBatch();
          PromptTemplates templates = prompts.templates();
          try (Progress progress = new Progress(spark, "ref round " + round, total, System.err)) {
            Progress.Counters counters = progress.counters();
            Dataset<Row> scored =
                pairs.mapPartitions(
                    (MapPartitionsFunction<Row, Row>)
                        rows -> score(rows, model, modelId, hadoop, templates, batch, counters),
                    Encoders.row(Datasets.get(Datasets.STEP_PAIRS).sparkType()));
            io.replacePartitions(
                Datasets.STEP_PAIRS,
                scored,
                Set.of(DatasetIO.partition(Datasets.STEP_PAIRS, Integer.toString(round))));
            stage.metric(
                "tokens_per_second", progress.tokens() / Math.max(progress.seconds(), 1e-9));
          }
          stage.metric("skipped", false);
          stage.output(Datasets.STEP_PAIRS, io.pathOf(Datasets.STEP_PAIRS));
          return null;
        });
  }

  /**
   * The pairs this stage reads are the ones the pairs stage wrote, all of them: a missing or short
   * partition (lost by hand, or by a failure DatasetIO could not recover) must not pass for
   * "already scored" and let dpo train on nothing.
   */
  private void requireAllPairs(int round, long found) {
    Object recorded =
        Manifest.load(layout)
            .succeeded("pairs", round)
            .map(s -> s.metrics().get("pairs"))
            .orElse(null);
    if (recorded instanceof Number n && n.longValue() != found) {
      throw new StepwiseException(
          "step_pairs round="
              + round
              + " has "
              + found
              + " rows but the pairs stage wrote "
              + n.longValue()
              + "; rerun `stepwise stage pairs --round "
              + round
              + "`");
    }
  }

  private static Iterator<Row> score(
      Iterator<Row> rows,
      String model,
      String modelId,
      SerializableConfiguration hadoop,
      PromptTemplates templates,
      int batchSize,
      Progress.Counters counters) {
    List<Row> out = new ArrayList<>();
    if (!rows.hasNext()) {
      return out.iterator();
    }
    ExecutorModels.Loaded loaded = ExecutorModels.get(model, hadoop.value());
    CompletionScorer scorer = new CompletionScorer(loaded.model());
    List<Row> batch = new ArrayList<>();
    while (rows.hasNext()) {
      batch.add(rows.next());
      if (batch.size() == batchSize || !rows.hasNext()) {
        long started = System.nanoTime();
        List<int[]> prefixes = new ArrayList<>();
        List<int[]> steps = new ArrayList<>();
        for (Row r : batch) {
          StepPairTokens t =
              StepPairTokens.of(
                  loaded.chat(),
                  templates,
                  r.getAs("prompt"),
                  r.getAs("initial_reason_steps"),
                  r.getAs("chosen"),
                  r.getAs("rejected"));
          prefixes.add(t.prefix());
          steps.add(t.chosen());
          prefixes.add(t.prefix());
          steps.add(t.rejected());
        }
        List<CompletionScorer.Scored> scored = scorer.score(prefixes, steps);
        long tokens = 0;
        for (int i = 0; i < batch.size(); i++) {
          out.add(
              Rows.of(Datasets.get(Datasets.STEP_PAIRS))
                  .copy(batch.get(i))
                  .replace("ref_model_id", modelId)
                  .replace("ref_chosen_logp", scored.get(2 * i).sum())
                  .replace("ref_rejected_logp", scored.get(2 * i + 1).sum())
                  .build());
          tokens +=
              prefixes.get(2 * i).length * 2L
                  + steps.get(2 * i).length
                  + steps.get(2 * i + 1).length;
        }
        counters.add(batch.size(), tokens, System.nanoTime() - started);
        batch.clear();
      }
    }
    return out.iterator();
  }
}
