package dev.stepwise.spark.jobs.selfreward;

import static org.apache.spark.sql.functions.col;

import com.google.inject.name.Named;
import dev.stepwise.schemas.Datasets;
import dev.stepwise.selfreward.StepPairTokens;
import dev.stepwise.spark.config.PromptsConfig;
import dev.stepwise.spark.config.RunConfig;
import dev.stepwise.spark.config.SelfRewardConfig;
import dev.stepwise.spark.config.TrainingConfig;
import dev.stepwise.spark.runtime.BarrierTraining;
import dev.stepwise.spark.runtime.Checkpoints;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.RunLayout;
import dev.stepwise.spark.runtime.StageRunner;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.spark.runtime.TaskTraining;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.PromptTemplates;
import dev.stepwise.train.DpoObjective;
import dev.stepwise.train.PreferencePair;
import dev.stepwise.train.StepDpoLoss;
import jakarta.inject.Inject;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Stage "dpo" of round R: step-wise DPO of M_R on the round's pairs (reference log-probs from the
 * ref stage), as a barrier training stage, publishing M_{R+1} as checkpoints/round=R+1. A round
 * without pairs publishes M_R unchanged, so the loop goes on.
 */
public final class DpoStage {

  private static List<PreferencePair> tokenize(
      ChatFormat chat, PromptTemplates templates, List<PairText> pairs) {
    List<PreferencePair> examples = new ArrayList<>();
    for (PairText p : pairs) {
      examples.add(
          StepPairTokens.of(chat, templates, p.prompt(), p.initial(), p.chosen(), p.rejected())
              .withReference(p.refChosen(), p.refRejected()));
    }
    return examples;
  }

  /**
   * A pair as text plus its reference log-probs; tokenized on the executor with the model's
   * tokenizer.
   */
  record PairText(
      String prompt,
      String initial,
      String chosen,
      String rejected,
      double refChosen,
      double refRejected)
      implements Serializable {}

  private final SparkSession spark;
  private final DatasetIO io;
  private final RunLayout layout;
  private final StageRunner runner;
  private final RunConfig run;
  private final SelfRewardConfig config;
  private final TrainingConfig dpo;
  private final PromptsConfig prompts;

  @Inject
  DpoStage(
      SparkSession spark,
      DatasetIO io,
      RunLayout layout,
      StageRunner runner,
      RunConfig run,
      SelfRewardConfig config,
      @Named("dpo") TrainingConfig dpo,
      PromptsConfig prompts) {
    this.spark = spark;
    this.io = io;
    this.layout = layout;
    this.runner = runner;
    this.run = run;
    this.config = config;
    this.dpo = dpo;
    this.prompts = prompts;
  }

  public void run(int round) {
    String from = layout.checkpoint(round).toString();
    Path to = layout.checkpoint(round + 1);
    runner.run(
        "dpo",
        round,
        List.of(from, io.pathOf(Datasets.STEP_PAIRS).toString()),
        stage -> {
          Configuration conf = spark.sparkContext().hadoopConfiguration();
          String modelId = Checkpoints.contentId(from, conf);
          List<PairText> pairs = new ArrayList<>();
          // A total order: the gold ablation makes several pairs per (prompt, step), and Spark
          // orders ties as its tasks finish.
          for (Row r :
              io.readIfAny(Datasets.STEP_PAIRS)
                  .filter(col("round").equalTo(round))
                  .orderBy("prompt_id", "step_index", "initial_reason_steps", "chosen", "rejected")
                  .collectAsList()) {
            if (!modelId.equals(r.getAs("ref_model_id"))) {
              throw new StepwiseException(
                  "step_pairs round="
                      + round
                      + " has no reference log-probs of "
                      + from
                      + " (ref_model_id "
                      + r.getAs("ref_model_id")
                      + ", expected "
                      + modelId
                      + "): run the ref stage first");
            }
            pairs.add(
                new PairText(
                    r.getAs("prompt"),
                    r.getAs("initial_reason_steps"),
                    r.getAs("chosen"),
                    r.getAs("rejected"),
                    r.getAs("ref_chosen_logp"),
                    r.getAs("ref_rejected_logp")));
          }
          stage.metric("pairs", pairs.size());
          if (pairs.isEmpty()) {
            Checkpoints.publish(Checkpoints.localize(from, conf), to, conf);
            stage.metric("note", "no pairs: M_" + (round + 1) + " = M_" + round);
          } else {
            SerializableConfiguration hadoop = new SerializableConfiguration(conf);
            StepDpoLoss loss = config.dpoLoss();
            TrainingConfig training = dpo;
            PromptTemplates templates = prompts.templates();
            long seed = run.seed() * 1_000_003L + round;
            Path syncDir = new Path(layout.root(), "_sync/dpo-round=" + round);
            Map<String, Double> metrics =
                BarrierTraining.run(
                    spark,
                    dpo.workers(),
                    (worker, workers, context) -> {
                      return TaskTraining.train(
                          from,
                          to,
                          syncDir,
                          hadoop.value(),
                          chat -> tokenize(chat, templates, pairs),
                          new DpoObjective(loss),
                          training.settings(seed),
                          training.syncEvery(),
                          worker,
                          workers,
                          context,
                          "dpo round " + round);
                    });
            metrics.forEach(stage::metric);
          }
          stage.output("checkpoint", to);
          return null;
        });
  }
}
