package dev.stepwise.spark.runtime;

import dev.stepwise.spark.config.SparkConfig;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The one way a SparkSession is made: by bin/stepwise (embedded, local[*] unless told otherwise),
 * under spark-submit (whatever it set wins: SparkConf reads the spark.* system properties it
 * passes), and in tests.
 */
public final class SessionFactory {
  private SessionFactory() {}

  public static SparkSession create(SparkConfig config) {
    SparkConf conf = new SparkConf();
    if (!conf.contains("spark.master")) conf.setMaster(config.master());
    conf.setIfMissing("spark.app.name", config.appName());
    conf.setIfMissing("spark.ui.enabled", Boolean.toString(config.ui()));
    conf.setIfMissing("spark.sql.parquet.compression.codec", "zstd");
    // In local mode one process holds every slot, and HDFS block hosts never match its name: a
    // task set waiting for a data-local slot is never offered one again (local mode revives
    // offers only when a task ends), so a job reading HDFS could stall for good.
    if (conf.get("spark.master").startsWith("local"))
      conf.setIfMissing("spark.locality.wait", "0s");
    SparkSession session = SparkSession.builder().config(conf).getOrCreate();
    awaitExecutors(session, config);
    return session;
  }

  /**
   * Jobs that must spread over the cluster (barrier stages, SPARK-24819) wait for executors first.
   */
  private static void awaitExecutors(SparkSession session, SparkConfig config) {
    if (config.minExecutors() == 0 || session.sparkContext().isLocal()) return;
    long deadline = System.nanoTime() + config.executorWait().toNanos();
    while (registeredExecutors(session) < config.minExecutors()) {
      if (System.nanoTime() > deadline) {
        throw new StepwiseException(
            "only "
                + registeredExecutors(session)
                + " of "
                + config.minExecutors()
                + " executors registered within "
                + config.executorWait().toSeconds()
                + " s (stepwise.spark.min_executors,"
                + " stepwise.spark.executor_wait); check that the cluster has free cores, memory and GPUs");
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StepwiseException("interrupted while waiting for executors", e);
      }
    }
  }

  /** Executors registered with the driver (the status tracker lists the driver too). */
  public static int registeredExecutors(SparkSession session) {
    return session.sparkContext().statusTracker().getExecutorInfos().length - 1;
  }
}
