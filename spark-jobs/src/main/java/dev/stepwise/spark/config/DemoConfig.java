package dev.stepwise.spark.config;

import com.typesafe.config.Config;

/** stepwise.demo: what `stepwise demo` runs on: the data to import and the M1 to start from. */
public record DemoConfig(String dataDir, String m1) {
  public static DemoConfig from(Config c) {
    return new DemoConfig(c.getString("stepwise.demo.data_dir"), c.getString("stepwise.demo.m1"));
  }
}
