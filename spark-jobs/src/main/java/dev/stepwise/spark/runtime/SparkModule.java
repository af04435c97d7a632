package dev.stepwise.spark.runtime;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.stepwise.spark.config.ModelConfig;
import dev.stepwise.spark.config.RunConfig;
import dev.stepwise.spark.config.SparkConfig;
import org.apache.spark.sql.SparkSession;

/** The Spark session and the run it works on; created on first use, so --help never starts Spark. */
public final class SparkModule extends AbstractModule {

  @Provides @Singleton SparkSession session(SparkConfig config, ModelConfig model) {
    SparkSession session = SessionFactory.create(config);
    session.sparkContext().hadoopConfiguration().set(ExecutorModels.DTYPE_KEY, model.dtype());
    return session;
  }

  @Provides @Singleton RunLayout layout(RunConfig run, SparkSession spark) {
    return RunLayout.open(run.dir(), spark.sparkContext().hadoopConfiguration());
  }
}
