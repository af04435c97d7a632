package dev.stepwise.spark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.SftMixture;
import dev.stepwise.train.TrainSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * `stepwise sft`: the optimisation keys of stepwise.sft, the data of stepwise.tasks (the same
 * mixture the loop's sft stage trains on) and the evaluation length of stepwise.eval.
 */
public record SftConfig(SftMixture mixture, TrainSettings train, int threads, int lengthWindow, int evalProblems,
    int evalMaxNewTokens) {

  public static SftConfig from(Config c) {
    Config s = c.getConfig("stepwise.sft");
    for (String key : List.of("threads", "length_window", "log_every")) positive(s, key, 1);
    positive(s, "save_every", 0);
    TasksConfig tasks = TasksConfig.from(c);
    TrainSettings train;
    try {
      TrainSettings t = TrainingConfig.from(c, "sft").settings(c.getLong("stepwise.run.seed"));
      train = new TrainSettings(t.batchSize(), t.gradientAccumulation(), t.steps(), t.epochs(), t.learningRate(),
          t.warmupRatio(), t.minLrRatio(), t.maxGradNorm(), t.weightDecay(), t.seed(), s.getInt("log_every"),
          s.getInt("save_every"), t.freezeEmbeddings());
    } catch (IllegalArgumentException e) {
      throw new ConfigException.Generic("stepwise.sft: " + e.getMessage());
    }
    return new SftConfig(new SftMixture(tasks.languages(), tasks.trainProblems(), tasks.eftProblems()), train,
        s.getInt("threads"), s.getInt("length_window"), tasks.evalProblems(), c.getInt("stepwise.eval.max_new_tokens"));
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
    return new SftConfig(new SftMixture(languages, mixture.iftProblems(), mixture.eftProblems()), train, threads,
        lengthWindow, evalProblems, evalMaxNewTokens);
  }

  private static void positive(Config s, String key, int min) {
    if (s.getLong(key) < min) {
      throw new ConfigException.BadValue("stepwise.sft." + key, "must be >= " + min + ", got " + s.getLong(key));
    }
  }
}
