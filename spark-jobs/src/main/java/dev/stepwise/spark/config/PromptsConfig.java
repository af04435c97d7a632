package dev.stepwise.spark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.stepwise.text.PromptTemplates;

/** stepwise.prompts: the reasoning and step-judge user turns every stage renders. */
public record PromptsConfig(PromptTemplates templates) {
  public static PromptsConfig from(Config c) {
    Config p = c.getConfig("stepwise.prompts");
    try {
      return new PromptsConfig(new PromptTemplates(p.getString("reasoning"), p.getString("judge")));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.Generic(e.getMessage());
    }
  }
}
