package dev.stepwise.spark.config;

import com.typesafe.config.Config;
import dev.stepwise.judge.JudgeMode;
import dev.stepwise.sampling.SamplingConfig;
import dev.stepwise.selfreward.SearchSettings;
import dev.stepwise.train.StepDpoLoss;
import java.io.Serializable;

/**
 * stepwise.loop, .search, .judge, .sampling, .pairs, .dpo (loss) and .eval: everything a
 * self-rewarding round needs besides the training optimisation keys.
 */
public record SelfRewardConfig(
    int rounds,
    int promptsPerRound,
    SearchSettings search,
    SamplingConfig sampling,
    int maxStepTokens,
    int maxJudgeTokens,
    JudgeMode judgeMode,
    boolean sharePrefix,
    int prefixCacheMb,
    int batchPrompts,
    int generationBatch,
    int partitions,
    int minMargin,
    PairLabels pairLabels,
    StepDpoLoss dpoLoss,
    int evalMaxNewTokens,
    int evalBatchSize,
    int importedPerLanguage)
    implements Serializable {

  /**
   * Who decides chosen and rejected: the model's own judge (the method), or the reference solution
   * (an ablation).
   */
  public enum PairLabels {
    JUDGE,
    GOLD;

    static PairLabels parse(String value) {
      for (PairLabels l : values()) if (l.name().equalsIgnoreCase(value)) return l;
      throw new IllegalArgumentException(
          "config key 'stepwise.pairs.labels' must be \"judge\" or \"gold\", found \""
              + value
              + "\"");
    }
  }

  public static SelfRewardConfig from(Config c) {
    Config s = c.getConfig("stepwise.search");
    Config p = c.getConfig("stepwise.sampling");
    Config d = c.getConfig("stepwise.dpo");
    Config e = c.getConfig("stepwise.eval");
    SamplingConfig sampling =
        new SamplingConfig(
            p.getString("mode"),
            p.getDouble("temperature"),
            p.getInt("top_k"),
            p.getDouble("top_p"),
            p.getDouble("edt_t0"),
            p.getDouble("edt_theta"),
            p.getDouble("edt_n"));
    return new SelfRewardConfig(
        c.getInt("stepwise.loop.rounds"),
        s.getInt("prompts_per_round"),
        new SearchSettings(
            s.getInt("candidates"),
            s.getInt("max_iterations"),
            s.getInt("max_rollbacks"),
            s.getBoolean("judge_both_orders"),
            s.getBoolean("copies_agree")),
        sampling,
        s.getInt("max_step_tokens"),
        s.getInt("max_judge_tokens"),
        JudgeMode.parse(c.getString("stepwise.judge.mode")),
        s.getBoolean("share_prefix"),
        s.getInt("prefix_cache_mb"),
        s.getInt("batch_prompts"),
        s.getInt("generation_batch"),
        s.getInt("partitions"),
        c.getInt("stepwise.pairs.min_margin"),
        PairLabels.parse(c.getString("stepwise.pairs.labels")),
        new StepDpoLoss(d.getDouble("beta"), d.getDouble("sft_weight")),
        e.getInt("max_new_tokens"),
        e.getInt("batch_size"),
        e.getInt("imported_per_language"));
  }
}
