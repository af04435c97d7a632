package dev.stepwise.spark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.stepwise.tasks.Language;
import dev.stepwise.train.TrainSettings;
import java.util.ArrayList;
import java.util.List;

/** stepwise.sft: data, optimizer and evaluation of `stepwise sft`; the seed is stepwise.run.seed. */
public record SftConfig(List<Language> languages, int iftProblems, int eftProblems, TrainSettings train, int threads,
    int lengthWindow, int evalProblems, int evalMaxNewTokens) {

  public static SftConfig from(Config c) {
    Config s = c.getConfig("stepwise.sft");
    List<Language> languages = languages(s.getStringList("languages"));
    positive(s, "ift_problems", 0);
    positive(s, "eft_problems", 0);
    if (s.getInt("ift_problems") + s.getInt("eft_problems") == 0) {
      throw new ConfigException.BadValue("stepwise.sft.ift_problems", "ift_problems + eft_problems must be > 0");
    }
    for (String key : List.of("steps", "batch_size", "threads", "length_window", "log_every", "eval_max_new_tokens")) positive(s, key, 1);
    positive(s, "eval_problems", 0);
    positive(s, "save_every", 0);
    TrainSettings train;
    try {
      train = new TrainSettings(s.getInt("batch_size"), 1, s.getLong("steps"), 0, s.getDouble("learning_rate"),
          s.getDouble("warmup_ratio"), s.getDouble("min_lr_ratio"), s.getDouble("max_grad_norm"), s.getDouble("weight_decay"),
          c.getLong("stepwise.run.seed"), s.getInt("log_every"), s.getInt("save_every"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.Generic("stepwise.sft: " + e.getMessage());
    }
    return new SftConfig(languages, s.getInt("ift_problems"), s.getInt("eft_problems"), train, s.getInt("threads"),
        s.getInt("length_window"), s.getInt("eval_problems"), s.getInt("eval_max_new_tokens"));
  }

  /** The same settings for other languages (the --languages flag; lists do not fit --set). */
  public SftConfig withLanguages(List<String> codes) {
    return new SftConfig(languages(codes), iftProblems, eftProblems, train, threads, lengthWindow, evalProblems, evalMaxNewTokens);
  }

  private static List<Language> languages(List<String> codes) {
    List<Language> languages = new ArrayList<>();
    for (String code : codes) {
      try {
        languages.add(Language.of(code.trim()));
      } catch (IllegalArgumentException e) {
        throw new ConfigException.BadValue("stepwise.sft.languages", e.getMessage());
      }
    }
    if (languages.isEmpty()) throw new ConfigException.BadValue("stepwise.sft.languages", "name at least one language");
    return List.copyOf(languages);
  }

  private static void positive(Config s, String key, int min) {
    if (s.getLong(key) < min) {
      throw new ConfigException.BadValue("stepwise.sft." + key, "must be >= " + min + ", got " + s.getLong(key));
    }
  }
}
