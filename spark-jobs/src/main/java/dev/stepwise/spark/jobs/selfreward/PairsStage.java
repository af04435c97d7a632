package dev.stepwise.spark.jobs.selfreward;

import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

import com.google.inject.Inject;
import dev.stepwise.schemas.Datasets;
import dev.stepwise.spark.config.SelfRewardConfig;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.StageRunner;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Stage "pairs" of round R: the best and the worst candidate of every search iteration whose
 * step stayed in the solution become a Step-DPO row ({@code prompt}, {@code initial_reason_steps},
 * {@code chosen}, {@code rejected}, {@code full_chosen}, {@code full_rejected}, {@code answer}).
 * Ties, identical texts and pairs below the win margin are dropped.
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
    runner.run("pairs", round, List.of(io.pathOf(Datasets.STEP_JUDGMENTS).toString()), stage -> {
      Dataset<Row> pairs = pairs(round);
      io.replacePartitions(Datasets.STEP_PAIRS, pairs, Set.of(DatasetIO.partition(Datasets.STEP_PAIRS, Integer.toString(round))));
      Dataset<Row> written = io.readIfAny(Datasets.STEP_PAIRS).filter(col("round").equalTo(round)).cache();
      long n = written.count();
      long prompts = io.readIfAny(Datasets.SOLUTIONS).filter(col("round").equalTo(round)).count();
      stage.output(Datasets.STEP_PAIRS, io.pathOf(Datasets.STEP_PAIRS));
      stage.metric("pairs", n);
      stage.metric("pairs_per_prompt", prompts == 0 ? 0.0 : n / (double) prompts);
      stage.metric("pairs_by_lang", countsBy(written, "lang"));
      stage.metric("pairs_by_step_index", countsBy(written, "step_index"));
      stage.metric("mean_win_margin", n == 0 ? 0.0
          : written.agg(avg(col("chosen_wins").minus(col("rejected_wins")))).first().getDouble(0));
      written.unpersist();
      return null;
    });
  }

  Dataset<Row> pairs(int round) {
    Dataset<Row> judged = io.readIfAny(Datasets.STEP_JUDGMENTS)
        .filter(col("round").equalTo(round).and(col("in_solution")).and(col("all_tied").equalTo(false)));
    Dataset<Row> best = judged.filter(col("is_best")).alias("b");
    Dataset<Row> worst = judged.filter(col("is_worst")).alias("w");
    Dataset<Row> prompts = io.read(Datasets.PROMPTS).select(col("id"), col("question"), col("gold")).alias("p");
    Column prefix = when(size(col("b.prefix_steps")).equalTo(0), lit(""))
        .otherwise(concat(array_join(col("b.prefix_steps"), "\n"), lit("\n")));
    return best.join(worst, col("b.prompt_id").equalTo(col("w.prompt_id")).and(col("b.iteration").equalTo(col("w.iteration"))))
        .join(prompts, col("p.id").equalTo(col("b.prompt_id")))
        .filter(col("b.candidate").notEqual(col("w.candidate")))
        .filter(col("b.score").minus(col("w.score")).geq(config.minMargin()))
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

  private static Map<String, Long> countsBy(Dataset<Row> rows, String column) {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (Row r : rows.groupBy(column).agg(count(lit(1))).orderBy(column).collectAsList()) {
      counts.put(String.valueOf(r.get(0)), r.getLong(1));
    }
    return counts;
  }
}
