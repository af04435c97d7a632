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

/** One search stage in a scratch run on a given master, measured from its manifest entry. */
final class PipelineBenchmark {

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
   * One search in a fresh temporary run; the user's --config and --set apply, then the bench's own
   * sizes and {@code sharePrefix}.
   */
  static Result run(CommonOptions user, String master, String m1, int prompts, boolean sharePrefix)
      throws Exception {
    CommonOptions options = new CommonOptions();
    options.config = user.config;
    options.sets.putAll(user.sets);
    options.run = Files.createTempDirectory("stepwise-bench-pipeline").toString();
    options.master = master;
    options.sets.put("stepwise.model.m1", m1);
    options.sets.put("stepwise.tasks.train_problems", Integer.toString(prompts));
    options.sets.put("stepwise.tasks.eval_problems", "1");
    options.sets.put("stepwise.search.prompts_per_round", Integer.toString(prompts));
    options.sets.put("stepwise.search.share_prefix", Boolean.toString(sharePrefix));
    Injector injector = options.injector();
    SparkSession spark = injector.getInstance(SparkSession.class);
    try {
      SelfRewardLoop loop = injector.getInstance(SelfRewardLoop.class);
      loop.runStage("tasks", null);
      loop.runStage("sft", null);
      loop.runStage("search", 1);
      Map<String, Object> m =
          Manifest.load(injector.getInstance(RunLayout.class))
              .stage("search", 1)
              .orElseThrow()
              .metrics();
      long judged =
          injector
              .getInstance(DatasetIO.class)
              .read(Datasets.STEP_JUDGMENTS)
              .filter(col("round").equalTo(1))
              .agg(sum(size(col("comparisons"))))
              .first()
              .getLong(0);
      return new Result(
          ((Number) m.get("prompts")).longValue(),
          ((Number) m.get("wall_seconds")).doubleValue(),
          ((Number) m.get("model_seconds")).doubleValue(),
          ((Number) m.get("tokens_sampled")).longValue(),
          judged / 2,
          spark.sparkContext().defaultParallelism());
    } finally {
      spark.stop();
    }
  }
}
