package dev.stepwise.spark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.stepwise.generate.Generator;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.search.ModelPrm;
import dev.stepwise.search.StepJudgePrompt;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.train.TrainSettings;
import java.io.Serializable;

/**
 * stepwise.prm: the pointwise step-judge prompt and verdicts every PRM answers (the policy as its
 * own PRM, or a decoder trained by {@code stepwise prm train}), scoring batch size, and the
 * training data and optimisation of {@code prm train} ({@code stepwise.prm.train}).
 *
 * @param checkTokens longest check line the PRM writes before its verdict (0 = verdict at once)
 * @param trainProblems synthetic labelled solutions of the train split
 * @param evalProblems held-out synthetic labelled solutions (eft_test split)
 * @param evalFraction held-out share of an imported labelled file
 */
public record PrmConfig(
    StepJudgePrompt prompt,
    int checkTokens,
    int batchSize,
    int trainProblems,
    int evalProblems,
    double evalFraction,
    int threads,
    TrainSettings train)
    implements Serializable {

  /** {@code model} as this PRM; its check lines are written by {@code generator}. */
  public ModelPrm prm(LlamaModel model, ChatFormat chat, Generator generator) {
    return new ModelPrm(model, chat, prompt, batchSize, generator, checkTokens);
  }

  /**
   * A policy as its own step judge: the verdict right after the prompt, since the policy was never
   * taught a pointwise check line (with one, the tiny M1 wrote lines unrelated to the step).
   */
  public ModelPrm selfJudge(LlamaModel model, ChatFormat chat) {
    return new ModelPrm(model, chat, prompt, batchSize, null, 0);
  }

  public static PrmConfig from(Config c) {
    Config p = c.getConfig("stepwise.prm");
    try {
      return new PrmConfig(
          new StepJudgePrompt(
              p.getString("prompt"), p.getString("positive"), p.getString("negative")),
          p.getInt("check_tokens"),
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
