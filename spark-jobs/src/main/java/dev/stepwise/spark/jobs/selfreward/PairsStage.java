package dev.stepwise.spark.jobs.selfreward;

import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import dev.stepwise.schemas.Datasets;
import dev.stepwise.selfreward.GoldPath;
import dev.stepwise.spark.config.SelfRewardConfig;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.StageRunner;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.api.java.UDF4;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * Stage "pairs" of round R: the best and the worst candidate of every search iteration whose step
 * stayed in the solution become a Step-DPO row ({@code prompt}, {@code initial_reason_steps},
 * {@code chosen}, {@code rejected}, {@code full_chosen}, {@code full_rejected}, {@code answer}).
 * Ties, identical texts and pairs below the win margin are dropped. With {@code pairs.labels =
 * gold} the reference solution picks the sides instead (an ablation). The manifest gets counts per
 * language and step, and how the pairs compare with the reference solutions where there are some.
 */
public final class PairsStage {

  private final DatasetIO io;
  private final StageRunner runner;
  private final SelfRewardConfig config;

  @Inject
  PairsStage(DatasetIO io, StageRunner runner, SelfRewardConfig config) {
    this.io = io;
    this.runner = runner;
    this.config = config;
  }

  public void run(int round) {
    runner.run(
        "pairs",
        round,
        List.of(io.pathOf(Datasets.STEP_JUDGMENTS).toString()),
        stage -> {
          Dataset<Row> pairs = pairs(round);
          io.replacePartitions(
              Datasets.STEP_PAIRS,
              pairs,
              Set.of(DatasetIO.partition(Datasets.STEP_PAIRS, Integer.toString(round))));
          Dataset<Row> written =
              io.readIfAny(Datasets.STEP_PAIRS).filter(col("round").equalTo(round)).cache();
          long n = written.count();
          long prompts =
              io.readIfAny(Datasets.SOLUTIONS).filter(col("round").equalTo(round)).count();
          stage.output(Datasets.STEP_PAIRS, io.pathOf(Datasets.STEP_PAIRS));
          stage.metric("pairs", n);
          stage.metric("pairs_per_prompt", prompts == 0 ? 0.0 : n / (double) prompts);
          stage.metric("pairs_by_lang", countsBy(written, "lang"));
          stage.metric("pairs_by_step_index", countsBy(written, "step_index"));
          stage.metric(
              "mean_win_margin",
              n == 0
                  ? 0.0
                  : written
                      .agg(avg(col("chosen_wins").minus(col("rejected_wins"))))
                      .first()
                      .getDouble(0));
          quality(written, round).forEach(stage::metric);
          written.unpersist();
          return null;
        });
  }

  Dataset<Row> pairs(int round) {
    Dataset<Row> judged = io.readIfAny(Datasets.STEP_JUDGMENTS).filter(col("round").equalTo(round));
    Dataset<Row> prompts =
        io.read(Datasets.PROMPTS)
            .select(col("id"), col("question"), col("gold"), col("solution"))
            .alias("p");
    boolean gold = config.pairLabels() == SelfRewardConfig.PairLabels.GOLD;
    Dataset<Row>[] sides = gold ? goldSides(judged, prompts) : judgeSides(judged);
    Dataset<Row> best = sides[0].alias("b");
    Dataset<Row> worst = sides[1].alias("w");
    Column prefix =
        when(size(col("b.prefix_steps")).equalTo(0), lit(""))
            .otherwise(concat(array_join(col("b.prefix_steps"), "\n"), lit("\n")));
    return best.join(
            worst,
            col("b.prompt_id")
                .equalTo(col("w.prompt_id"))
                .and(col("b.iteration").equalTo(col("w.iteration"))))
        .join(prompts, col("p.id").equalTo(col("b.prompt_id")))
        .filter(col("b.candidate").notEqual(col("w.candidate")))
        .filter(gold ? lit(true) : col("b.score").minus(col("w.score")).geq(config.minMargin()))
        .select(
            col("b.round").as("round"),
            col("b.model_id").as("model_id"),
            col("b.prompt_id").as("prompt_id"),
            col("b.step_index").as("step_index"),
            col("b.lang").as("lang"),
            col("p.question").as("prompt"),
            prefix.as("initial_reason_steps"),
            col("b.candidate").as("chosen"),
            col("w.candidate").as("rejected"),
            concat(prefix, col("b.candidate")).as("full_chosen"),
            concat(prefix, col("w.candidate")).as("full_rejected"),
            col("p.gold").as("answer"),
            col("b.score").as("chosen_wins"),
            col("w.score").as("rejected_wins"),
            lit(null).cast("string").as("ref_model_id"),
            lit(null).cast("double").as("ref_chosen_logp"),
            lit(null).cast("double").as("ref_rejected_logp"));
  }

  /**
   * The method: best and worst candidate of every iteration whose step stayed in the solution, by
   * judge wins.
   */
  private Dataset<Row>[] judgeSides(Dataset<Row> judged) {
    Dataset<Row> decided = judged.filter(col("in_solution").and(col("all_tied").equalTo(false)));
    return sides(decided.filter(col("is_best")), decided.filter(col("is_worst")));
  }

  /**
   * The ablation: at every iteration whose prefix follows the reference solution (kept or not), the
   * lowest-index candidate that matches the reference step against the lowest-index one that does
   * not.
   */
  private static Dataset<Row>[] goldSides(Dataset<Row> judged, Dataset<Row> prompts) {
    UserDefinedFunction correct =
        udf(
            (UDF3<String, String, String, Boolean>)
                (solution, prefix, step) ->
                    GoldPath.stepCorrect(solution, lines(prefix), step).orElse(null),
            DataTypes.BooleanType);
    Dataset<Row> labelled =
        judged
            .join(prompts, col("p.id").equalTo(col("prompt_id")))
            .withColumn(
                "correct",
                correct.apply(
                    col("p.solution"), array_join(col("prefix_steps"), "\n"), col("candidate")))
            .filter(col("correct").isNotNull());
    return sides(
        firstCandidate(labelled.filter(col("correct"))),
        firstCandidate(labelled.filter(not(col("correct")))));
  }

  /** Per (prompt, iteration), the row of the lowest candidate index. */
  private static Dataset<Row> firstCandidate(Dataset<Row> rows) {
    Dataset<Row> first =
        rows.groupBy("prompt_id", "iteration").agg(min("candidate_index").as("first"));
    return rows.join(first, new String[] {"prompt_id", "iteration"})
        .filter(col("candidate_index").equalTo(col("first")));
  }

  @SuppressWarnings("unchecked")
  private static Dataset<Row>[] sides(Dataset<Row> chosen, Dataset<Row> rejected) {
    String[] columns = {
      "round",
      "model_id",
      "prompt_id",
      "iteration",
      "step_index",
      "lang",
      "prefix_steps",
      "candidate",
      "score"
    };
    return new Dataset[] {chosen.selectExpr(columns), rejected.selectExpr(columns)};
  }

  /**
   * How the written pairs compare with the prompts' reference solutions (GoldPath.PairLabel
   * counts), and the judge's agreement with them: right / (right + inverted). Under key "outcome",
   * the same pairs by outcome, for prompts with only a gold answer: whether the search's solution
   * through the chosen step reached the gold answer ({@link #outcome}), and outcome_agreement =
   * reached_gold / (reached_gold + missed_gold).
   */
  private Map<String, Object> quality(Dataset<Row> written, int round) {
    UserDefinedFunction label =
        udf(
            (UDF4<String, String, String, String, String>)
                (solution, prefix, chosen, rejected) ->
                    GoldPath.label(solution, lines(prefix), chosen, rejected)
                        .name()
                        .toLowerCase(Locale.ROOT),
            DataTypes.StringType);
    Dataset<Row> prompts = io.read(Datasets.PROMPTS).select(col("id"), col("solution"));
    Map<String, Long> counts =
        countsBy(
            written
                .join(prompts, written.col("prompt_id").equalTo(prompts.col("id")))
                .withColumn(
                    "quality",
                    label.apply(
                        col("solution"),
                        col("initial_reason_steps"),
                        col("chosen"),
                        col("rejected"))),
            "quality");
    long right = counts.getOrDefault("right", 0L), inverted = counts.getOrDefault("inverted", 0L);
    Map<String, Long> outcomes = countsBy(outcome(written, round), "outcome");
    Map<String, Object> quality = new LinkedHashMap<>(counts);
    quality.put("outcome", outcomes);
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("pair_quality", quality);
    if (right + inverted > 0) metrics.put("gold_agreement", right / (double) (right + inverted));
    long reached = outcomes.getOrDefault(REACHED_GOLD, 0L),
        missed = outcomes.getOrDefault("missed_gold", 0L);
    if (reached + missed > 0)
      metrics.put("outcome_agreement", reached / (double) (reached + missed));
    return metrics;
  }

  static final String REACHED_GOLD = "reached_gold";

  /**
   * Each pair labelled by the outcome of the round's solution of its prompt: "no_gold" (the prompt
   * has no gold answer), "off_solution" (the solution does not go through the chosen step, e.g. a
   * gold-labelled pair), "unfinished" (no answer within max_iterations), "reached_gold" or
   * "missed_gold" (the solution's answer, graded by Answers).
   */
  private Dataset<Row> outcome(Dataset<Row> written, int round) {
    Dataset<Row> solutions =
        io.readIfAny(Datasets.SOLUTIONS)
            .filter(col("round").equalTo(round))
            .select(
                col("prompt_id").as("s_prompt_id"),
                col("text"),
                col("correct"),
                col("finish_reason"));
    Column throughChosen =
        col("text")
            .equalTo(col("full_chosen"))
            .or(col("text").startsWith(concat(col("full_chosen"), lit("\n"))));
    return written
        .join(solutions, written.col("prompt_id").equalTo(solutions.col("s_prompt_id")), "left")
        .withColumn(
            "outcome",
            when(col("answer").isNull(), lit("no_gold"))
                .when(col("text").isNull().or(not(throughChosen)), lit("off_solution"))
                .when(col("finish_reason").notEqual(lit("answer")), lit("unfinished"))
                .when(col("correct"), lit(REACHED_GOLD))
                .otherwise(lit("missed_gold")));
  }

  /** Steps joined by newlines (a trailing one allowed) back into a list. */
  private static List<String> lines(String joined) {
    return joined.isBlank() ? List.of() : List.of(joined.strip().split("\n"));
  }

  private static Map<String, Long> countsBy(Dataset<Row> rows, String column) {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (Row r : rows.groupBy(column).agg(count(lit(1))).orderBy(column).collectAsList()) {
      counts.put(String.valueOf(r.get(0)), r.getLong(1));
    }
    return counts;
  }
}
