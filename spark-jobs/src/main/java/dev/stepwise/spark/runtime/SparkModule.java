package dev.stepwise.spark.runtime;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.stepwise.spark.config.ModelConfig;
import dev.stepwise.spark.config.RunConfig;
import dev.stepwise.spark.config.SelfRewardConfig;
import dev.stepwise.spark.config.SparkConfig;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark session and the run it works on; created on first use, so --help never starts Spark.
 */
public final class SparkModule extends AbstractModule {

  @Provides
  @Singleton
  SparkSession session(SparkConfig config, ModelConfig model, SelfRewardConfig search) {
    SparkSession session = SessionFactory.create(config);
    session.sparkContext().hadoopConfiguration().set(ExecutorModels.DTYPE_KEY, model.dtype());
    session
        .sparkContext()
        .hadoopConfiguration()
        .setLong(ExecutorModels.PREFIX_CACHE_KEY, search.prefixCacheMb());
    session
        .sparkContext()
        .hadoopConfiguration()
        .set(ExecutorDevices.KEY, model.device().toString());
    return session;
  }

  /**
   * The run, locked for this driver (RunLock), with Spark's log moved into its logs/ and what a
   * killed driver left behind finished or cleaned up.
   */
  @Provides
  @Singleton
  RunLayout layout(RunConfig run, SparkSession spark) {
    RunLayout layout = RunLayout.open(run.dir(), spark.sparkContext().hadoopConfiguration());
    RunLock.forProcess(layout, System.err);
    RunLogs.toRun(layout);
    layout.cleanTemporaries();
    return layout;
  }
}
