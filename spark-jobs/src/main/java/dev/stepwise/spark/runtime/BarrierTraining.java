package dev.stepwise.spark.runtime;

import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.SparkSession;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Runs training as a Spark barrier stage: {@code workers} tasks start together (one per executor on
 * a cluster, each holding its executor's GPU or cores), each trains on its shard, and they can
 * rendezvous through the {@link BarrierTaskContext} (weight averaging). A failed task fails the
 * whole stage, which Spark retries as a unit.
 */
public final class BarrierTraining {

  /** The body of one training task; returns its final metrics (worker 0's are reported). */
  @FunctionalInterface
  public interface Task extends Serializable {
    Map<String, Double> train(int worker, int workers, BarrierTaskContext context) throws Exception;
  }

  private BarrierTraining() {}

  public static Map<String, Double> run(SparkSession spark, int workers, Task task) {
    List<Integer> ids = IntStream.range(0, workers).boxed().toList();
    RDD<Integer> slots =
        JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(ids, workers).rdd();
    Object collected =
        slots
            .barrier()
            .mapPartitions(
                new TrainPartition(task, workers), false, ClassTag$.MODULE$.apply(Map.class))
            .collect();
    for (Object result : (Object[]) collected) {
      @SuppressWarnings("unchecked")
      Map<String, Double> metrics = (Map<String, Double>) result;
      if (!metrics.isEmpty()) {
        return metrics;
      }
    }
    return Map.of();
  }

  /** The Scala function a barrier RDD needs (the Java RDD API has no barrier mode). */
  private static final class TrainPartition
      extends AbstractFunction1<Iterator<Integer>, Iterator<Map>> implements Serializable {
    private final Task task;
    private final int workers;

    TrainPartition(Task task, int workers) {
      this.task = task;
      this.workers = workers;
    }

    @Override
    public Iterator<Map> apply(Iterator<Integer> ignored) {
      BarrierTaskContext context = BarrierTaskContext.get();
      try {
        Map<String, Double> metrics = task.train(context.partitionId(), workers, context);
        Map<String, Double> reported =
            context.partitionId() == 0 ? new HashMap<>(metrics) : new HashMap<>();
        return CollectionConverters.asScala(List.<Map>of(reported).iterator());
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new StepwiseException(
            "training task " + context.partitionId() + " failed: " + e.getMessage(), e);
      }
    }
  }
}
