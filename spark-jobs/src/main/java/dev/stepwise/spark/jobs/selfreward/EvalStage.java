package dev.stepwise.spark.jobs.selfreward;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.xxhash64;

import dev.stepwise.schemas.Datasets;
import dev.stepwise.spark.config.PromptsConfig;
import dev.stepwise.spark.config.RunConfig;
import dev.stepwise.spark.config.SelfRewardConfig;
import dev.stepwise.spark.config.TasksConfig;
import dev.stepwise.spark.jobs.HeldOutGrading;
import dev.stepwise.spark.runtime.Checkpoints;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.RunLayout;
import dev.stepwise.spark.runtime.StageRunner;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskExample;
import dev.stepwise.text.PromptTemplates;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;

/**
 * Stage "eval" of checkpoint round R: greedy decoding on held-out items, sharded across executors:
 * the synthetic eval problems in every language ("synthetic"), held-out step pairs for the judge
 * ("synthetic-judge", judged in stepwise.judge.mode), and imported test prompts when configured
 * ("gsm8k", "mgsm"). Writes {@code eval_results} and per-benchmark, per-language accuracy to the
 * manifest.
 */
public final class EvalStage {

  public static final String JUDGE = HeldOutGrading.JUDGE;

  /** Imported sources whose test split the eval stage grades (benchmark = source). */
  public static final List<String> IMPORTED = List.of("gsm8k", "mgsm");

  private final SparkSession spark;
  private final DatasetIO io;
  private final RunLayout layout;
  private final StageRunner runner;
  private final TasksConfig tasks;
  private final SelfRewardConfig config;
  private final PromptsConfig prompts;
  private final RunConfig run;

  @Inject
  EvalStage(
      SparkSession spark,
      DatasetIO io,
      RunLayout layout,
      StageRunner runner,
      TasksConfig tasks,
      SelfRewardConfig config,
      PromptsConfig prompts,
      RunConfig run) {
    this.spark = spark;
    this.io = io;
    this.layout = layout;
    this.runner = runner;
    this.tasks = tasks;
    this.config = config;
    this.prompts = prompts;
    this.run = run;
  }

  public void run(int round) {
    String model = layout.checkpoint(round).toString();
    runner.run(
        "eval",
        round,
        List.of(model),
        stage -> {
          String modelId = Checkpoints.contentId(model, spark.sparkContext().hadoopConfiguration());
          Dataset<Row> items = items();
          try (HeldOutGrading grading =
              new HeldOutGrading(
                  spark,
                  "eval round " + round,
                  items.count(),
                  config.evalMaxNewTokens(),
                  config.evalBatchSize(),
                  config.judgeMode())) {
            io.replacePartitions(
                Datasets.EVAL_RESULTS,
                grading.grade(items, model, modelId, round),
                Set.of(DatasetIO.partition(Datasets.EVAL_RESULTS, Integer.toString(round))));
          }
          Dataset<Row> written =
              io.readIfAny(Datasets.EVAL_RESULTS).filter(col("round").equalTo(round)).cache();
          stage.output(Datasets.EVAL_RESULTS, io.pathOf(Datasets.EVAL_RESULTS));
          stage.metric("model_id", modelId);
          stage.metric(JUDGE + "/mode", config.judgeMode().label());
          for (Row r :
              written
                  .groupBy("benchmark")
                  .agg(avg(col("correct").cast("double")), avg("num_steps"), avg("num_tokens"))
                  .collectAsList()) {
            String b = r.getString(0);
            stage.metric(b + "/accuracy", r.getDouble(1));
            if (!b.equals(JUDGE)) {
              stage.metric(b + "/mean_steps", r.getDouble(2));
              stage.metric(b + "/mean_tokens", r.getDouble(3));
            }
            Map<String, Double> byLang = new LinkedHashMap<>();
            for (Row l :
                written
                    .filter(col("benchmark").equalTo(b))
                    .groupBy("lang")
                    .agg(avg(col("correct").cast("double")))
                    .orderBy("lang")
                    .collectAsList()) {
              byLang.put(l.getString(0), l.getDouble(1));
            }
            stage.metric(b + "/accuracy_by_lang", byLang);
          }
          written.unpersist();
          return null;
        });
  }

  /**
   * The held-out items: synthetic eval problems, judge pairs, and imported test prompts: all of
   * them, or a sample of {@code imported_per_language} per source and language, seeded by the run
   * seed and the parallel id, so every round grades the same items and MGSM's languages the same
   * problems.
   */
  Dataset<Row> items() {
    Dataset<Row> prompts = io.read(Datasets.PROMPTS);
    PromptTemplates templates = this.prompts.templates();
    Dataset<Row> synthetic =
        prompts.filter(
            col("source")
                .equalTo(SyntheticPromptsStage.SOURCE)
                .and(col("split").equalTo(Split.EVAL.label())));
    List<Row> rows = new ArrayList<>();
    for (Row r : synthetic.collectAsList()) {
      rows.add(item(SyntheticPromptsStage.SOURCE, r, templates));
    }
    if (config.importedPerLanguage() != 0) {
      Dataset<Row> imported =
          prompts.filter(col("source").isin(IMPORTED.toArray()).and(col("split").equalTo("test")));
      if (config.importedPerLanguage() > 0) {
        imported =
            imported
                .withColumn(
                    "rank",
                    row_number()
                        .over(
                            Window.partitionBy("source", "lang")
                                .orderBy(xxhash64(lit(run.seed()), col("parallel_id")), col("id"))))
                .filter(col("rank").leq(config.importedPerLanguage()));
      }
      for (Row r : imported.collectAsList()) {
        rows.add(item(r.getAs("source"), r, templates));
      }
    }
    for (TaskExample e :
        tasks
            .generator()
            .withTemplates(templates)
            .eftOneLanguageEach(Split.EFT_TEST, 0, tasks.eftTestProblems(), tasks.languages())) {
      rows.add(HeldOutGrading.item(JUDGE, e.split(), e.lang(), e.id(), e.prompt(), e.gold()));
    }
    return spark.createDataFrame(rows, HeldOutGrading.ITEMS);
  }

  private static Row item(String benchmark, Row prompt, PromptTemplates templates) {
    return HeldOutGrading.item(
        benchmark,
        prompt.getAs("split"),
        prompt.getAs("lang"),
        prompt.getAs("id"),
        templates.reasoning(prompt.getAs("question")),
        prompt.getAs("gold"));
  }
}
