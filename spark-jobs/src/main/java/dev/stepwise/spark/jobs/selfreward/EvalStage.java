package dev.stepwise.spark.jobs.selfreward;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;

import com.google.inject.Inject;
import dev.stepwise.eval.HeldOutEval;
import dev.stepwise.generate.Generator;
import dev.stepwise.schemas.Datasets;
import dev.stepwise.spark.config.SelfRewardConfig;
import dev.stepwise.spark.config.TasksConfig;
import dev.stepwise.spark.runtime.Checkpoints;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.ExecutorModels;
import dev.stepwise.spark.runtime.Progress;
import dev.stepwise.spark.runtime.RunLayout;
import dev.stepwise.spark.runtime.StageRunner;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskExample;
import dev.stepwise.text.Answers;
import dev.stepwise.text.ReasoningPrompt;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Stage "eval" of checkpoint round R: greedy decoding on held-out items, sharded across
 * executors: the synthetic eval problems in every language ("synthetic"), held-out step pairs
 * for the judge ("synthetic-judge"), and imported test prompts when configured ("gsm8k",
 * "mgsm"). Writes {@code eval_results} and per-benchmark, per-language accuracy to the manifest.
 */
public final class EvalStage {

  public static final String JUDGE = "synthetic-judge";

  /** One item to evaluate, before the model answers it. */
  static final StructType ITEMS = new StructType()
      .add("benchmark", DataTypes.StringType).add("split", DataTypes.StringType).add("lang", DataTypes.StringType)
      .add("prompt_id", DataTypes.StringType).add("user_turn", DataTypes.StringType).add("gold", DataTypes.StringType);

  private final SparkSession spark;
  private final DatasetIO io;
  private final RunLayout layout;
  private final StageRunner runner;
  private final TasksConfig tasks;
  private final SelfRewardConfig config;

  @Inject
  EvalStage(SparkSession spark, DatasetIO io, RunLayout layout, StageRunner runner, TasksConfig tasks,
      SelfRewardConfig config) {
    this.spark = spark;
    this.io = io;
    this.layout = layout;
    this.runner = runner;
    this.tasks = tasks;
    this.config = config;
  }

  public void run(int round) {
    String model = layout.checkpoint(round).toString();
    runner.run("eval", round, List.of(model), stage -> {
      SerializableConfiguration hadoop = new SerializableConfiguration(spark.sparkContext().hadoopConfiguration());
      String modelId = Checkpoints.contentId(model, hadoop.value());
      Dataset<Row> items = items();
      long total = items.count();
      int maxNew = config.evalMaxNewTokens();
      int batch = config.evalBatchSize();
      try (Progress progress = new Progress(spark, "eval round " + round, total, System.err)) {
        Progress.Counters counters = progress.counters();
        Dataset<Row> results = items.repartition(spark.sparkContext().defaultParallelism())
            .mapPartitions((MapPartitionsFunction<Row, Row>) rows ->
                evaluate(rows, model, modelId, round, hadoop, maxNew, batch, counters),
                Encoders.row(Datasets.get(Datasets.EVAL_RESULTS).sparkType()));
        io.replacePartitions(Datasets.EVAL_RESULTS, results,
            Set.of(DatasetIO.partition(Datasets.EVAL_RESULTS, Integer.toString(round))));
      }
      Dataset<Row> written = io.readIfAny(Datasets.EVAL_RESULTS).filter(col("round").equalTo(round)).cache();
      stage.output(Datasets.EVAL_RESULTS, io.pathOf(Datasets.EVAL_RESULTS));
      stage.metric("model_id", modelId);
      for (Row r : written.groupBy("benchmark").agg(avg(col("correct").cast("double")), avg("num_steps"), avg("num_tokens"))
          .collectAsList()) {
        String b = r.getString(0);
        stage.metric(b + "/accuracy", r.getDouble(1));
        if (!b.equals(JUDGE)) {
          stage.metric(b + "/mean_steps", r.getDouble(2));
          stage.metric(b + "/mean_tokens", r.getDouble(3));
        }
        Map<String, Double> byLang = new LinkedHashMap<>();
        for (Row l : written.filter(col("benchmark").equalTo(b)).groupBy("lang").agg(avg(col("correct").cast("double")))
            .orderBy("lang").collectAsList()) {
          byLang.put(l.getString(0), l.getDouble(1));
        }
        stage.metric(b + "/accuracy_by_lang", byLang);
      }
      written.unpersist();
      return null;
    });
  }

  /** The held-out items: synthetic eval problems, judge pairs, and a slice of imported test prompts. */
  Dataset<Row> items() {
    Dataset<Row> prompts = io.read(Datasets.PROMPTS);
    Dataset<Row> synthetic = prompts.filter(col("source").equalTo(SyntheticPromptsStage.SOURCE)
        .and(col("split").equalTo(Split.EVAL.label())));
    List<Row> rows = new ArrayList<>();
    for (Row r : synthetic.collectAsList()) {
      rows.add(item(SyntheticPromptsStage.SOURCE, r));
    }
    if (config.importedPerLanguage() > 0) {
      Dataset<Row> imported = prompts.filter(col("source").isin("gsm8k", "mgsm").and(col("split").equalTo("test")))
          .withColumn("rank", row_number().over(Window.partitionBy("source", "lang").orderBy("id")))
          .filter(col("rank").leq(config.importedPerLanguage()));
      for (Row r : imported.collectAsList()) {
        rows.add(item(r.getAs("source"), r));
      }
    }
    List<Language> langs = tasks.languages();
    for (int i = 0; i < tasks.eftTestProblems(); i++) {
      for (TaskExample e : tasks.generator().eft(Split.EFT_TEST, i, 1, List.of(langs.get((i / 2) % langs.size())))) {
        rows.add(RowFactory.create(JUDGE, e.split(), e.lang(), e.id(), e.prompt(), e.gold()));
      }
    }
    return spark.createDataFrame(rows, ITEMS);
  }

  private static Row item(String benchmark, Row prompt) {
    return RowFactory.create(benchmark, prompt.getAs("split"), prompt.getAs("lang"), prompt.getAs("id"),
        ReasoningPrompt.of(prompt.getAs("question")), prompt.getAs("gold"));
  }

  private static Iterator<Row> evaluate(Iterator<Row> rows, String model, String modelId, int round,
      SerializableConfiguration hadoop, int maxNew, int batch, Progress.Counters counters) {
    List<Row> out = new ArrayList<>();
    if (!rows.hasNext()) {
      return out.iterator();
    }
    ExecutorModels.Loaded loaded = ExecutorModels.get(model, hadoop.value());
    HeldOutEval eval = new HeldOutEval(new Generator(loaded.model(), loaded.tokenizer()::decode, null, batch),
        loaded.chat(), maxNew);
    List<Row> reasoning = new ArrayList<>();
    List<Row> judging = new ArrayList<>();
    rows.forEachRemaining(r -> (JUDGE.equals(r.getAs("benchmark")) ? judging : reasoning).add(r));
    // Batch by batch, so progress moves while a partition runs.
    for (int from = 0; from < reasoning.size(); from += batch) {
      List<Row> chunk = reasoning.subList(from, Math.min(reasoning.size(), from + batch));
      long started = System.nanoTime();
      grade(eval.reasoning(toItems(chunk)), chunk, modelId, round, out, counters, started);
    }
    for (int from = 0; from < judging.size(); from += batch) {
      List<Row> chunk = judging.subList(from, Math.min(judging.size(), from + batch));
      long started = System.nanoTime();
      grade(eval.judging(toItems(chunk)), chunk, modelId, round, out, counters, started);
    }
    return out.iterator();
  }

  private static List<HeldOutEval.Item> toItems(List<Row> rows) {
    List<HeldOutEval.Item> items = new ArrayList<>();
    for (Row r : rows) {
      items.add(new HeldOutEval.Item(r.getAs("prompt_id"), r.getAs("lang"), r.getAs("user_turn"), r.getAs("gold")));
    }
    return items;
  }

  private static void grade(List<HeldOutEval.Graded> graded, List<Row> rows, String modelId, int round, List<Row> out,
      Progress.Counters counters, long started) {
    long tokens = 0;
    for (int i = 0; i < graded.size(); i++) {
      HeldOutEval.Graded g = graded.get(i);
      Row r = rows.get(i);
      boolean judge = JUDGE.equals(r.getAs("benchmark"));
      String predicted = judge ? dev.stepwise.judge.Verdict.parse(g.output()).name() : Answers.extract(g.output()).orElse(null);
      out.add(RowFactory.create(round, modelId, r.getAs("benchmark"), r.getAs("split"), r.getAs("lang"),
          r.getAs("prompt_id"), "greedy", g.output(), predicted, r.getAs("gold"), g.correct(), g.tokens(), g.steps()));
      tokens += g.tokens();
    }
    counters.add(graded.size(), tokens, System.nanoTime() - started);
  }
}
