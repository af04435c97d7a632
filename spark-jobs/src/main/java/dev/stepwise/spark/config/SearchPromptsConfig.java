package dev.stepwise.spark.config;

import static org.apache.spark.sql.functions.col;

import com.typesafe.config.Config;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Column;

/**
 * A selection of the run's prompts: stepwise.search.prompts (which prompts the search draws its
 * rounds from), and the same keys elsewhere (stepwise.study.edt.prompts).
 *
 * @param languages language codes kept; empty = all
 */
public record SearchPromptsConfig(String source, String split, List<String> languages)
    implements Serializable {
  public SearchPromptsConfig {
    languages = List.copyOf(languages);
  }

  public static SearchPromptsConfig from(Config c) {
    return from(c, "stepwise.search.prompts");
  }

  /** The selection at {@code path} (keys source, split, languages). */
  public static SearchPromptsConfig from(Config c, String path) {
    Config p = c.getConfig(path);
    return new SearchPromptsConfig(
        p.getString("source"), p.getString("split"), p.getStringList("languages"));
  }

  /** The condition on a prompts row that keeps it. */
  public Column filter() {
    Column selected = col("source").equalTo(source).and(col("split").equalTo(split));
    return languages.isEmpty() ? selected : selected.and(col("lang").isin(languages.toArray()));
  }

  /** For messages: "source=gsm8k split=test languages=[en]". */
  public String describe() {
    return "source="
        + source
        + " split="
        + split
        + (languages.isEmpty() ? "" : " languages=" + languages);
  }
}
