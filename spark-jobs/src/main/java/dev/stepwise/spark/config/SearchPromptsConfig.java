package dev.stepwise.spark.config;

import com.typesafe.config.Config;
import java.io.Serializable;
import java.util.List;

/**
 * stepwise.search.prompts: which prompts of the run the search draws its rounds from.
 *
 * @param languages language codes kept; empty = all
 */
public record SearchPromptsConfig(String source, String split, List<String> languages)
    implements Serializable {
  public SearchPromptsConfig {
    languages = List.copyOf(languages);
  }

  public static SearchPromptsConfig from(Config c) {
    Config p = c.getConfig("stepwise.search.prompts");
    return new SearchPromptsConfig(
        p.getString("source"), p.getString("split"), p.getStringList("languages"));
  }
}
