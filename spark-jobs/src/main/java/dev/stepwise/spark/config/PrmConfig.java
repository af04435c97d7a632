package dev.stepwise.spark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.stepwise.search.StepJudgePrompt;
import dev.stepwise.train.TrainSettings;
import java.io.Serializable;

/**
 * stepwise.prm: the pointwise step-judge prompt and verdicts every PRM answers (the policy as its
 * own PRM, or a decoder trained by {@code stepwise prm train}), scoring batch size, and the
 * training data and optimisation of {@code prm train} ({@code stepwise.prm.train}).
 *
 * @param trainProblems synthetic labelled solutions of the train split
 * @param evalProblems held-out synthetic labelled solutions (eft_test split)
 * @param evalFraction held-out share of an imported labelled file
 */
public record PrmConfig(
    StepJudgePrompt prompt,
    int batchSize,
    int trainProblems,
    int evalProblems,
    double evalFraction,
    int threads,
    TrainSettings train)
    implements Serializable {

  public static PrmConfig from(Config c) {
    Config p = c.getConfig("stepwise.prm");
    try {
      return new PrmConfig(
          new StepJudgePrompt(
              p.getString("prompt"), p.getString("positive"), p.getString("negative")),
          p.getInt("batch_size"),
          p.getInt("train_problems"),
          p.getInt("eval_problems"),
          p.getDouble("eval_fraction"),
          p.getInt("threads"),
          TrainingConfig.from(c, "prm.train").settings(c.getLong("stepwise.run.seed")));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.Generic(e.getMessage());
    }
  }
}
