package dev.stepwise.spark.config;

import com.typesafe.config.Config;
import dev.stepwise.importers.ImportLimits;

/** stepwise.import: the row checks every importer applies. */
public record ImportConfig(ImportLimits limits) {
  public static ImportConfig from(Config c) {
    Config i = c.getConfig("stepwise.import");
    return new ImportConfig(new ImportLimits(i.getInt("max_chars"), i.getBoolean("require_gold")));
  }
}
