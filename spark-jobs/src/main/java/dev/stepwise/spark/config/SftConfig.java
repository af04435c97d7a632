package dev.stepwise.spark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.stepwise.sampling.FixedSampler;
import dev.stepwise.sampling.SamplingStrategy;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.SftMixture;
import dev.stepwise.train.TrainSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * `stepwise sft`: the optimisation keys of stepwise.sft, the data of stepwise.tasks (the same
 * mixture the loop's sft stage trains on), the evaluation length of stepwise.eval, and the policy
 * EFT mining of stepwise.sft.policy_eft (its steps as long as the search's).
 */
public record SftConfig(
    SftMixture mixture,
    TrainSettings train,
    int threads,
    int lengthWindow,
    int evalProblems,
    int evalMaxNewTokens,
    PolicyEft policyEft) {

  /**
   * stepwise.sft.policy_eft: judge examples mined from the starting model's own candidate steps
   * (dev.stepwise.selfreward.PolicyEft), added to the mixture; problems = 0 mines none.
   */
  public record PolicyEft(int problems, int candidates, double temperature, int maxStepTokens) {
    /**
     * Plain temperature sampling over the whole vocabulary (no top-k, top-p 1), so the policy shows
     * its mistakes.
     */
    public SamplingStrategy sampler() {
      return new FixedSampler(temperature, 0, 1.0);
    }

    static PolicyEft from(Config s, int maxStepTokens) {
      Config p = s.getConfig("policy_eft");
      return new PolicyEft(
          p.getInt("problems"), p.getInt("candidates"), p.getDouble("temperature"), maxStepTokens);
    }
  }

  public static SftConfig from(Config c) {
    Config s = c.getConfig("stepwise.sft");
    TasksConfig tasks = TasksConfig.from(c);
    TrainSettings train;
    try {
      TrainSettings t = TrainingConfig.from(c, "sft").settings(c.getLong("stepwise.run.seed"));
      train =
          new TrainSettings(
              t.batchSize(),
              t.gradientAccumulation(),
              t.steps(),
              t.epochs(),
              t.learningRate(),
              t.warmupRatio(),
              t.minLrRatio(),
              t.maxGradNorm(),
              t.weightDecay(),
              t.seed(),
              s.getInt("log_every"),
              s.getInt("save_every"),
              t.freezeEmbeddings(),
              t.lora(),
              t.activationCheckpointing());
    } catch (IllegalArgumentException e) {
      throw new ConfigException.Generic("stepwise.sft: " + e.getMessage());
    }
    return new SftConfig(
        new SftMixture(tasks.languages(), tasks.trainProblems(), tasks.eftProblems()),
        train,
        s.getInt("threads"),
        s.getInt("length_window"),
        tasks.evalProblems(),
        c.getInt("stepwise.eval.max_new_tokens"),
        PolicyEft.from(s, c.getInt("stepwise.search.max_step_tokens")));
  }

  public List<Language> languages() {
    return mixture.languages();
  }

  /** The same settings for other languages (the --languages flag). */
  public SftConfig withLanguages(List<String> codes) {
    List<Language> languages = new ArrayList<>();
    for (String code : codes) {
      try {
        languages.add(Language.of(code.trim()));
      } catch (IllegalArgumentException e) {
        throw new ConfigException.BadValue("--languages", e.getMessage());
      }
    }
    return new SftConfig(
        new SftMixture(languages, mixture.iftProblems(), mixture.eftProblems()),
        train,
        threads,
        lengthWindow,
        evalProblems,
        evalMaxNewTokens,
        policyEft);
  }
}
