package dev.stepwise.spark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.stepwise.tasks.Language;
import java.util.List;

/**
 * stepwise.align: question-translation alignment (docs/methods.md §D) as a stage; its optimisation
 * keys are read by {@code TrainingConfig.from(config, "align")}.
 */
public record AlignConfig(
    boolean enabled,
    String position,
    List<Language> languages,
    Language pivot,
    int syntheticProblems,
    String promptsSource,
    String promptsSplit,
    int evalProblems,
    int evalMgsmPerLanguage) {

  public static final List<String> POSITIONS = List.of("after_sft", "after_rounds");

  public AlignConfig {
    if (!POSITIONS.contains(position)) {
      throw new IllegalArgumentException(
          "stepwise.align.position must be one of " + POSITIONS + ", got \"" + position + "\"");
    }
    if (languages.contains(pivot)) {
      throw new IllegalArgumentException(
          "stepwise.align.languages contains the pivot " + pivot.code() + "; remove it");
    }
    if (syntheticProblems == 0 && promptsSource.isEmpty()) {
      throw new IllegalArgumentException(
          "stepwise.align has no pair source: set synthetic_problems > 0 or prompts_source");
    }
  }

  public static AlignConfig from(Config c) {
    Config a = c.getConfig("stepwise.align");
    try {
      return new AlignConfig(
          a.getBoolean("enabled"),
          a.getString("position"),
          a.getStringList("languages").stream().map(Language::of).toList(),
          Language.of(a.getString("pivot")),
          a.getInt("synthetic_problems"),
          a.getString("prompts_source"),
          a.getString("prompts_split"),
          a.getInt("eval_problems"),
          a.getInt("eval_mgsm_per_language"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.Generic("stepwise.align: " + e.getMessage());
    }
  }
}
