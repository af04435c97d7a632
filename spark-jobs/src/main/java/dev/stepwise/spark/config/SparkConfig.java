package dev.stepwise.spark.config;

import com.typesafe.config.Config;
import java.time.Duration;

/** stepwise.spark: the session's defaults; anything spark-submit set wins over them. */
public record SparkConfig(
    String master, String appName, boolean ui, int minExecutors, Duration executorWait) {
  public static SparkConfig from(Config c) {
    Config s = c.getConfig("stepwise.spark");
    return new SparkConfig(
        s.getString("master"),
        s.getString("app_name"),
        s.getBoolean("ui"),
        s.getInt("min_executors"),
        s.getDuration("executor_wait"));
  }
}
