package dev.stepwise.spark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueFactory;
import dev.stepwise.selfreward.SftRecipe;
import dev.stepwise.tasks.Language;
import dev.stepwise.train.TrainSettings;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * stepwise.sft, read once for `stepwise sft` and the loop's sft stage: the recipe (its passes, each
 * the optimisation keys of stepwise.sft with its own overrides and mixture sizes; length grouping;
 * policy-EFT sampling), the training threads and data-parallel workers (stepwise.train), where the
 * mixture comes from (stepwise.sft.data), and the held-out evaluation `stepwise sft` ends with.
 *
 * @param languages the synthetic mixture's languages (stepwise.tasks.languages)
 */
public record SftConfig(
    SftRecipe recipe,
    List<Language> languages,
    SftDataConfig data,
    int threads,
    int workers,
    int syncEvery,
    int evalProblems,
    int evalMaxNewTokens)
    implements Serializable {

  /** The keys a pass may set: the optimisation keys of stepwise.sft and its mixture sizes. */
  static final Set<String> PASS_KEYS =
      Set.of(
          "steps",
          "epochs",
          "batch_size",
          "gradient_accumulation",
          "lr",
          "warmup_ratio",
          "min_lr_ratio",
          "max_grad_norm",
          "weight_decay",
          "freeze_embeddings",
          "log_every",
          "save_every",
          "ift_problems",
          "eft_problems",
          "policy_eft_problems");

  public static SftConfig from(Config c) {
    Config s = c.getConfig("stepwise.sft");
    TasksConfig tasks = TasksConfig.from(c);
    long seed = c.getLong("stepwise.run.seed");
    // No passes: one pass with the keys of stepwise.sft, on the mixture sizes of stepwise.tasks.
    Config defaults =
        s.withValue("ift_problems", ConfigValueFactory.fromAnyRef(tasks.trainProblems()))
            .withValue("eft_problems", ConfigValueFactory.fromAnyRef(tasks.eftProblems()))
            .withValue(
                "policy_eft_problems",
                ConfigValueFactory.fromAnyRef(s.getInt("policy_eft.problems")));
    List<SftRecipe.Pass> passes = new ArrayList<>();
    List<? extends Config> listed = s.getConfigList("passes");
    if (listed.isEmpty()) passes.add(pass(c, defaults, seed, "stepwise.sft"));
    for (int i = 0; i < listed.size(); i++) {
      String where = "stepwise.sft.passes[" + i + "]";
      Set<String> unknown = new TreeSet<>(listed.get(i).root().keySet());
      unknown.removeAll(PASS_KEYS);
      if (!unknown.isEmpty())
        throw new ConfigException.BadValue(
            where, "unknown key(s) " + unknown + "; a pass may set " + new TreeSet<>(PASS_KEYS));
      passes.add(pass(c, listed.get(i).withFallback(defaults), seed, where));
    }
    Config p = s.getConfig("policy_eft");
    try {
      return new SftConfig(
          new SftRecipe(
              passes,
              s.getInt("length_window"),
              new SftRecipe.PolicyEftSampling(
                  p.getInt("candidates"),
                  p.getDouble("temperature"),
                  c.getInt("stepwise.search.max_step_tokens"))),
          tasks.languages(),
          SftDataConfig.from(s.getConfig("data")),
          s.getInt("threads"),
          c.getInt("stepwise.train.workers"),
          c.getInt("stepwise.train.sync_every"),
          tasks.evalProblems(),
          c.getInt("stepwise.eval.max_new_tokens"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.Generic("stepwise.sft: " + e.getMessage());
    }
  }

  /** One pass from its keys (falling back to stepwise.sft's), range-checked as stepwise.sft is. */
  private static SftRecipe.Pass pass(Config c, Config keys, long seed, String where) {
    try {
      ConfigRanges.check(c.withValue("stepwise.sft", keys.root()));
      TrainSettings train =
          new TrainSettings(
              keys.getInt("batch_size"),
              keys.getInt("gradient_accumulation"),
              keys.getLong("steps"),
              keys.getDouble("epochs"),
              keys.getDouble("lr"),
              keys.getDouble("warmup_ratio"),
              keys.getDouble("min_lr_ratio"),
              keys.getDouble("max_grad_norm"),
              keys.getDouble("weight_decay"),
              seed,
              keys.getInt("log_every"),
              keys.getInt("save_every"),
              keys.getBoolean("freeze_embeddings"),
              TrainingConfig.lora(c.getConfig("stepwise.train.lora")),
              c.getBoolean("stepwise.train.activation_checkpointing"));
      return new SftRecipe.Pass(
          train,
          keys.getInt("ift_problems"),
          keys.getInt("eft_problems"),
          keys.getInt("policy_eft_problems"));
    } catch (ConfigException e) {
      if (where.equals("stepwise.sft")) throw e;
      throw new ConfigException.Generic(where + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new ConfigException.Generic(where + ": " + e.getMessage());
    }
  }

  /** The same settings for other languages (the --languages flag). */
  public SftConfig withLanguages(List<String> codes) {
    List<Language> chosen = new ArrayList<>();
    for (String code : codes) {
      try {
        chosen.add(Language.of(code.trim()));
      } catch (IllegalArgumentException e) {
        throw new ConfigException.BadValue("--languages", e.getMessage());
      }
    }
    return new SftConfig(
        recipe, chosen, data, threads, workers, syncEvery, evalProblems, evalMaxNewTokens);
  }
}
