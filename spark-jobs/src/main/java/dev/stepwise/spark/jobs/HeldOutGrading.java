package dev.stepwise.spark.jobs;

import dev.stepwise.eval.HeldOutEval;
import dev.stepwise.generate.Generator;
import dev.stepwise.judge.JudgeMode;
import dev.stepwise.judge.Verdict;
import dev.stepwise.schemas.Datasets;
import dev.stepwise.schemas.Rows;
import dev.stepwise.spark.runtime.ExecutorModels;
import dev.stepwise.spark.runtime.Progress;
import dev.stepwise.text.Answers;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Greedy grading of held-out items on the executors, one model per call, into {@code eval_results}
 * rows: reasoning items by their boxed answer, judge items by their verdict in the configured judge
 * mode (the one the search judges in, so the judge accuracy measures the search's judge). Open one
 * per stage: its progress line counts every item graded through it, batch by batch.
 */
public final class HeldOutGrading implements AutoCloseable {

  /**
   * An item to grade: {@code benchmark} {@link #JUDGE} marks a step-judge pair, anything else a
   * problem.
   */
  public static final StructType ITEMS =
      new StructType()
          .add("benchmark", DataTypes.StringType)
          .add("split", DataTypes.StringType)
          .add("lang", DataTypes.StringType)
          .add("prompt_id", DataTypes.StringType)
          .add("user_turn", DataTypes.StringType)
          .add("gold", DataTypes.StringType);

  public static final String JUDGE = "synthetic-judge";

  /** An {@link #ITEMS} row. */
  public static Row item(
      String benchmark, String split, String lang, String promptId, String userTurn, String gold) {
    return Rows.of("eval items", ITEMS)
        .set("benchmark", benchmark)
        .set("split", split)
        .set("lang", lang)
        .set("prompt_id", promptId)
        .set("user_turn", userTurn)
        .set("gold", gold)
        .build();
  }

  private final SparkSession spark;
  private final Progress progress;
  private final int maxNewTokens;
  private final int batchSize;
  private final JudgeMode judgeMode;

  /**
   * @param total items that will be graded, for the progress line's ETA
   * @param judgeMode how judge items are judged (stepwise.judge.mode)
   */
  public HeldOutGrading(
      SparkSession spark,
      String label,
      long total,
      int maxNewTokens,
      int batchSize,
      JudgeMode judgeMode) {
    this.spark = spark;
    this.progress = new Progress(spark, label, total, System.err);
    this.maxNewTokens = maxNewTokens;
    this.batchSize = batchSize;
    this.judgeMode = judgeMode;
  }

  /** Lazily grades {@code items} ({@link #ITEMS} rows) with the checkpoint at {@code model}. */
  public Dataset<Row> grade(Dataset<Row> items, String model, String modelId, int round) {
    SerializableConfiguration hadoop =
        new SerializableConfiguration(spark.sparkContext().hadoopConfiguration());
    Progress.Counters counters = progress.counters();
    int maxNew = maxNewTokens, batch = batchSize;
    JudgeMode mode = judgeMode;
    return items
        .repartition(spark.sparkContext().defaultParallelism())
        .mapPartitions(
            (MapPartitionsFunction<Row, Row>)
                rows ->
                    gradePartition(
                        rows, model, modelId, round, hadoop, maxNew, batch, mode, counters),
            Encoders.row(Datasets.get(Datasets.EVAL_RESULTS).sparkType()));
  }

  @Override
  public void close() {
    progress.close();
  }

  private static Iterator<Row> gradePartition(
      Iterator<Row> rows,
      String model,
      String modelId,
      int round,
      SerializableConfiguration hadoop,
      int maxNew,
      int batch,
      JudgeMode mode,
      Progress.Counters counters) {
    List<Row> out = new ArrayList<>();
    if (!rows.hasNext()) {
      return out.iterator();
    }
    ExecutorModels.Loaded loaded = ExecutorModels.get(model, hadoop.value());
    HeldOutEval eval =
        new HeldOutEval(
            new Generator(loaded.model(), loaded.tokenizer()::decode, null, batch),
            loaded.chat(),
            maxNew);
    List<Row> reasoning = new ArrayList<>();
    List<Row> judging = new ArrayList<>();
    rows.forEachRemaining(r -> (JUDGE.equals(r.getAs("benchmark")) ? judging : reasoning).add(r));
    // Batch by batch, so progress moves while a partition runs.
    for (int from = 0; from < reasoning.size(); from += batch) {
      List<Row> chunk = reasoning.subList(from, Math.min(reasoning.size(), from + batch));
      long started = System.nanoTime();
      collect(eval.reasoning(toItems(chunk)), chunk, modelId, round, null, out, counters, started);
    }
    for (int from = 0; from < judging.size(); from += batch) {
      List<Row> chunk = judging.subList(from, Math.min(judging.size(), from + batch));
      long started = System.nanoTime();
      collect(
          eval.judging(toItems(chunk), mode), chunk, modelId, round, mode, out, counters, started);
    }
    return out.iterator();
  }

  private static List<HeldOutEval.Item> toItems(List<Row> rows) {
    List<HeldOutEval.Item> items = new ArrayList<>();
    for (Row r : rows) {
      items.add(
          new HeldOutEval.Item(
              r.getAs("prompt_id"), r.getAs("lang"), r.getAs("user_turn"), r.getAs("gold")));
    }
    return items;
  }

  private static void collect(
      List<HeldOutEval.Graded> graded,
      List<Row> rows,
      String modelId,
      int round,
      JudgeMode mode,
      List<Row> out,
      Progress.Counters counters,
      long started) {
    long tokens = 0;
    for (int i = 0; i < graded.size(); i++) {
      HeldOutEval.Graded g = graded.get(i);
      Row r = rows.get(i);
      boolean judge = JUDGE.equals(r.getAs("benchmark"));
      String predicted =
          judge ? Verdict.parse(g.output()).name() : Answers.extract(g.output()).orElse(null);
      out.add(
          Rows.of(Datasets.get(Datasets.EVAL_RESULTS))
              .set("round", round)
              .set("model_id", modelId)
              .set("benchmark", r.getAs("benchmark"))
              .set("split", r.getAs("split"))
              .set("lang", r.getAs("lang"))
              .set("prompt_id", r.getAs("prompt_id"))
              .set("method", "greedy")
              .set("output", g.output())
              .set("predicted", predicted)
              .set("gold", r.getAs("gold"))
              .set("correct", g.correct())
              .set("num_tokens", g.tokens())
              .set("num_steps", g.steps())
              .set("judge_mode", mode == null ? null : mode.label())
              .set("verdict_prob", g.verdictProbability())
              .build());
      tokens += g.tokens();
    }
    counters.add(graded.size(), tokens, System.nanoTime() - started);
  }
}
