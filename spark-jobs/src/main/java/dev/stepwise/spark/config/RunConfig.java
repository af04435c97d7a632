package dev.stepwise.spark.config;

import com.typesafe.config.Config;

/** stepwise.run: where the run lives and the seed every random choice derives from. */
public record RunConfig(String dir, long seed) {
  public static RunConfig from(Config c) {
    Config r = c.getConfig("stepwise.run");
    return new RunConfig(r.getString("dir"), r.getLong("seed"));
  }
}
