package dev.stepwise.spark.jobs.multilingual;

import static org.apache.spark.sql.functions.col;

import com.google.inject.name.Named;
import dev.stepwise.schemas.Datasets;
import dev.stepwise.spark.config.AlignConfig;
import dev.stepwise.spark.config.RunConfig;
import dev.stepwise.spark.config.TrainingConfig;
import dev.stepwise.spark.runtime.BarrierTraining;
import dev.stepwise.spark.runtime.Checkpoints;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.RunLayout;
import dev.stepwise.spark.runtime.StageRunner;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.tasks.Language;
import dev.stepwise.train.TrainSettings;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;

/**
 * `stepwise align`: question-translation SFT (docs/methods.md §D) of a checkpoint on the run's
 * translation_pairs of align.languages, as a barrier stage of stepwise.train.workers tasks, writing
 * an HF checkpoint and a manifest entry with TRL-named metrics.
 */
public final class AlignJob {

  public record Result(String checkpoint, long pairs, Map<String, Double> metrics) {}

  private final SparkSession spark;
  private final RunLayout layout;
  private final DatasetIO io;
  private final StageRunner stages;
  private final AlignConfig align;
  private final TrainingConfig training;
  private final long seed;

  @Inject
  public AlignJob(
      SparkSession spark,
      RunLayout layout,
      DatasetIO io,
      StageRunner stages,
      AlignConfig align,
      @Named("align") TrainingConfig training,
      RunConfig run) {
    this.spark = spark;
    this.layout = layout;
    this.io = io;
    this.stages = stages;
    this.align = align;
    this.training = training;
    this.seed = run.seed();
  }

  /** Where the aligned model of round R goes: checkpoints/align/round=R. */
  public Path alignedCheckpoint(int round) {
    return new Path(layout.root(), "checkpoints/align/round=" + round);
  }

  /**
   * @param from the checkpoint to align (any Hadoop URI)
   * @param out where the aligned HF checkpoint is published (replaced when it exists)
   * @param round the manifest round of the stage (null for a stand-alone run)
   */
  public Result run(String from, Path out, Integer round) {
    if (!Checkpoints.exists(new Path(from), spark.sparkContext().hadoopConfiguration())) {
      throw new StepwiseException(
          "no checkpoint at "
              + from
              + " (expected config.json and model.safetensors); pass --from a checkpoint or round");
    }
    List<String[]> pairs = pairs();
    int workers = training.workers();
    if (pairs.size() < workers)
      throw new StepwiseException(
          pairs.size() + " translation pairs cannot feed " + workers + " workers");
    TrainSettings settings = training.settings(seed);
    String syncDir = new Path(layout.root(), "_tmp/align-sync-" + out.getName()).toString();
    AlignTrainingTask task =
        new AlignTrainingTask(
            from,
            out.toString(),
            syncDir,
            pairs,
            settings,
            training.syncEvery(),
            new SerializableConfiguration(spark.sparkContext().hadoopConfiguration()));
    return stages.run(
        "align",
        round,
        List.of(from, Datasets.TRANSLATION_PAIRS),
        stage -> {
          Map<String, Double> metrics = BarrierTraining.run(spark, workers, task);
          stage.output("checkpoint", out);
          stage.metric("train_examples", pairs.size());
          stage.metric("languages", align.languages().stream().map(Language::code).toList());
          stage.metric("workers", workers);
          metrics.forEach(stage::metric);
          return new Result(out.toString(), pairs.size(), metrics);
        });
  }

  /**
   * (input, target) of every pair of align.languages, in a fixed order so training is reproducible.
   */
  private List<String[]> pairs() {
    List<String> langs = align.languages().stream().map(Language::code).toList();
    List<Row> rows =
        io.read(Datasets.TRANSLATION_PAIRS)
            .where(col("src_lang").isin(langs.toArray()))
            .orderBy("src_lang", "src_prompt_id")
            .select("input", "target")
            .collectAsList();
    if (rows.isEmpty()) {
      throw new StepwiseException(
          "translation_pairs has no pairs for "
              + langs
              + "; run `stepwise translation-pairs` first");
    }
    List<String[]> out = new ArrayList<>(rows.size());
    for (Row r : rows) out.add(new String[] {r.getString(0), r.getString(1)});
    return out;
  }
}
