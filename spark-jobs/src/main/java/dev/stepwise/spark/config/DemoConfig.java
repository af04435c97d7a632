package dev.stepwise.spark.config;

import com.typesafe.config.Config;

/** stepwise.demo: what `stepwise demo` runs on. */
public record DemoConfig(String dataDir) {
  public static DemoConfig from(Config c) {
    return new DemoConfig(c.getString("stepwise.demo.data_dir"));
  }
}
