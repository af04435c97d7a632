package dev.stepwise.spark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.stepwise.eval.SamplingPoint;
import java.io.Serializable;
import java.util.List;

/**
 * stepwise.study.edt: the EDT study (`stepwise study edt`, docs/methods.md §C): which held-out
 * prompts, how many, k samples each, and the grid of fixed temperatures and EDT settings.
 *
 * @param problems prompts studied, a seeded choice among the selected ones; 0 = all
 * @param samples k, samples per problem and strategy
 * @param grid the fixed temperatures, then EDT's levels × T0 × θ
 */
public record EdtStudyConfig(
    SearchPromptsConfig prompts,
    int problems,
    int samples,
    List<SamplingPoint> grid,
    int maxNewTokens,
    int batchSize,
    int partitions)
    implements Serializable {

  public static final String PATH = "stepwise.study.edt";

  public static EdtStudyConfig from(Config c) {
    Config s = c.getConfig(PATH);
    try {
      List<SamplingPoint> grid =
          SamplingPoint.grid(
              s.getDoubleList("temperatures"),
              s.getStringList("levels"),
              s.getDoubleList("t0"),
              s.getDoubleList("theta"));
      if (grid.stream().map(SamplingPoint::label).distinct().count() < grid.size())
        throw new IllegalArgumentException("a strategy is listed twice: " + grid);
      if (grid.isEmpty())
        throw new IllegalArgumentException(
            PATH + " has no strategy to study: set temperatures, or levels with t0 and theta");
      return new EdtStudyConfig(
          SearchPromptsConfig.from(c, PATH + ".prompts"),
          s.getInt("problems"),
          s.getInt("samples"),
          grid,
          s.getInt("max_new_tokens"),
          s.getInt("batch_size"),
          s.getInt("partitions"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.Generic(PATH + ": " + e.getMessage());
    }
  }
}
