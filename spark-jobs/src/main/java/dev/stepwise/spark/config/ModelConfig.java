package dev.stepwise.spark.config;

import com.typesafe.config.Config;

/** stepwise.model: where M0 comes from, and an optional ready-made M1. */
public record ModelConfig(String init, String m1) {
  public static ModelConfig from(Config c) {
    Config m = c.getConfig("stepwise.model");
    return new ModelConfig(m.getString("init"), m.getString("m1"));
  }

  public boolean tinyInit() {
    return "tiny".equals(init);
  }
}
