package dev.stepwise.spark.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;

import com.google.inject.Injector;
import dev.stepwise.schemas.Datasets;
import dev.stepwise.spark.loop.SelfRewardLoop;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.Manifest;
import dev.stepwise.spark.runtime.RunLayout;
import java.nio.file.Files;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * One search stage and one PATS stage in a scratch run on a given master, measured from their
 * manifest entries.
 */
final class PipelineBenchmark {

  /** Both stages' figures; {@code pats} null when it did not run. */
  record Results(Result search, Result pats) {}

  /**
   * @param prompts prompts searched (search) or problems solved (PATS)
   * @param comparisons judge comparisons (search) or PRM scorings (PATS)
   */
  record Result(
      long prompts,
      double wallSeconds,
      double modelSeconds,
      long tokens,
      long comparisons,
      int slots) {
    /** Wall time over the model time one task slot spent: 1.0 means Spark added nothing. */
    double overhead() {
      return wallSeconds / (modelSeconds / slots);
    }
  }

  private PipelineBenchmark() {}

  /**
   * One search, with or without shared prefixes, and then, when {@code withPats}, one PATS run
   * (method pats only, on about as many held-out problems) in a fresh temporary run; the user's
   * --config and --set apply, then the bench's own sizes.
   */
  static Results run(
      CommonOptions user,
      String master,
      String m1,
      int prompts,
      boolean sharePrefix,
      boolean withPats)
      throws Exception {
    CommonOptions options = new CommonOptions();
    options.config = user.config;
    options.sets.putAll(user.sets);
    options.run = Files.createTempDirectory("stepwise-bench-pipeline").toString();
    options.master = master;
    options.sets.put("stepwise.model.m1", m1);
    options.sets.put("stepwise.tasks.train_problems", Integer.toString(prompts));
    options.sets.put("stepwise.tasks.eval_problems", Integer.toString((prompts + 9) / 10));
    options.sets.put("stepwise.pats.methods", "[pats]");
    options.sets.putIfAbsent("stepwise.pats.max_step_tokens", "48");
    options.sets.put("stepwise.search.prompts_per_round", Integer.toString(prompts));
    options.sets.put("stepwise.search.share_prefix", Boolean.toString(sharePrefix));
    Injector injector = options.injector();
    SparkSession spark = injector.getInstance(SparkSession.class);
    try {
      SelfRewardLoop loop = injector.getInstance(SelfRewardLoop.class);
      loop.runStage("tasks", null);
      loop.runStage("sft", null);
      loop.runStage("search", 1);
      if (withPats) loop.runStage("pats", 1);
      Manifest manifest = Manifest.load(injector.getInstance(RunLayout.class));
      Map<String, Object> m = manifest.stage("search", 1).orElseThrow().metrics();
      int slots = spark.sparkContext().defaultParallelism();
      long judged =
          injector
              .getInstance(DatasetIO.class)
              .read(Datasets.STEP_JUDGMENTS)
              .filter(col("round").equalTo(1))
              .agg(sum(size(col("comparisons"))))
              .first()
              .getLong(0);
      return new Results(
          result(m, "prompts", judged / 2, slots),
          withPats ? pats(manifest.stage("pats", 1).orElseThrow().metrics(), slots) : null);
    } finally {
      spark.stop();
    }
  }

  private static Result pats(Map<String, Object> p, int slots) {
    return result(p, "problems", ((Number) p.get("prm_scorings")).longValue(), slots);
  }

  private static Result result(Map<String, Object> m, String items, long scored, int slots) {
    return new Result(
        ((Number) m.get(items)).longValue(),
        ((Number) m.get("wall_seconds")).doubleValue(),
        ((Number) m.get("model_seconds")).doubleValue(),
        ((Number) m.get("tokens_sampled")).longValue(),
        scored,
        slots);
  }
}
