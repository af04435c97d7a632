package dev.stepwise.spark.cli;

import dev.stepwise.spark.config.ModelConfig;
import dev.stepwise.spark.config.SparkConfig;
import dev.stepwise.spark.config.StepwiseConfig;
import dev.stepwise.spark.runtime.ExecutorDevices;
import dev.stepwise.spark.runtime.StepwiseException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.status.api.v1.ExecutorSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;

/**
 * `stepwise doctor`: what each executor would run a model on (engine, libtorch flavour, CUDA, the
 * GPU Spark gives its tasks, torch threads), found by one task pinned to each executor; on a local
 * master, the driver's JVM. Fails (exit 1) with the first executor's error line when one would fail
 * a model stage.
 */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = {
      "Print what each executor would run the models on: engine and libtorch flavour, whether CUDA",
      "is usable and which device ids it sees, the GPU Spark assigns its tasks, torch threads, host,",
      "and the device a model stage would use under stepwise.device (one task per executor; on a",
      "local master, the driver's JVM). Exit 1 when an executor would fail a model stage. Example:",
      "  bin/local-cluster submit doctor"
    })
public final class DoctorCommand implements Callable<Integer> {
  /** The table's header. */
  static final String[] COLUMNS = {
    "executor",
    "host",
    "engine",
    "flavour",
    "CUDA",
    "CUDA devices",
    "Spark GPU",
    "threads",
    "runs on"
  };

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Override
  public Integer call() {
    StepwiseConfig config = common.config();
    ExecutorDevices.Setting setting = ModelConfig.from(config.raw()).device();
    String master = new SparkConf().get("spark.master", SparkConfig.from(config.raw()).master());
    List<ExecutorDevices.Report> reports =
        master.startsWith("local")
            ? List.of(ExecutorDevices.probe(setting))
            : executors(common.injector().getInstance(SparkSession.class), setting);
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "stepwise doctor: master %s, stepwise.device = %s, %d executor(s)%n",
        master, setting, reports.size());
    out.print(table(reports));
    List<String> errors =
        reports.stream().map(ExecutorDevices.Report::error).filter(e -> e != null).toList();
    errors.forEach(out::println);
    out.flush();
    if (!errors.isEmpty())
      throw new StepwiseException(
          errors.size()
              + " of "
              + reports.size()
              + " executor(s) would fail a model stage (see above)");
    return 0;
  }

  /**
   * One probe task per registered executor, each preferring its executor (Spark's executor-cache
   * location, which a free executor takes at once); an executor that no task reached is an error.
   */
  private static List<ExecutorDevices.Report> executors(
      SparkSession spark, ExecutorDevices.Setting setting) {
    List<Tuple2<String, scala.collection.immutable.Seq<String>>> pinned = new ArrayList<>();
    for (ExecutorSummary e :
        CollectionConverters.asJava(spark.sparkContext().statusStore().executorList(true))) {
      if (e.id().equals("driver")) continue;
      // "host:port", or the host alone (as a standalone Worker's executors report it)
      String host = e.hostPort().replaceFirst(":\\d+$", "");
      pinned.add(
          new Tuple2<>(
              e.id(),
              CollectionConverters.asScala(List.of("executor_" + host + "_" + e.id())).toList()));
    }
    if (pinned.isEmpty())
      throw new StepwiseException(
          "no executor registered with " + spark.sparkContext().master() + "; check the cluster");
    JavaRDD<String> ids =
        JavaRDD.fromRDD(
            spark
                .sparkContext()
                .makeRDD(
                    CollectionConverters.asScala(pinned).toSeq(),
                    ClassTag$.MODULE$.apply(String.class)),
            ClassTag$.MODULE$.apply(String.class));
    Map<String, ExecutorDevices.Report> byExecutor = new TreeMap<>();
    for (ExecutorDevices.Report r :
        ids.map((Function<String, ExecutorDevices.Report>) id -> ExecutorDevices.probe(setting))
            .collect()) {
      byExecutor.putIfAbsent(r.executor(), r);
    }
    for (Tuple2<String, ?> p : pinned) {
      if (!byExecutor.containsKey(p._1()))
        throw new StepwiseException(
            "executor " + p._1() + " ran no probe task (busy or lost); run stepwise doctor again");
    }
    return new ArrayList<>(byExecutor.values());
  }

  /** The reports as an aligned table, one row per executor. */
  static String table(List<ExecutorDevices.Report> reports) {
    List<String[]> rows = new ArrayList<>();
    rows.add(COLUMNS);
    for (ExecutorDevices.Report r : reports) {
      rows.add(
          new String[] {
            r.executor(),
            r.host(),
            r.engine(),
            r.flavour(),
            r.cuda() ? "yes" : "no",
            r.cudaDeviceIds(),
            r.gpus().isEmpty() ? "none" : r.gpus(),
            Integer.toString(r.threads()),
            r.runsOn() != null ? r.runsOn() : "fails (below)"
          });
    }
    int[] width = new int[rows.get(0).length];
    for (String[] row : rows)
      for (int i = 0; i < row.length - 1; i++) width[i] = Math.max(width[i], row[i].length());
    StringBuilder text = new StringBuilder();
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(i < row.length - 1 ? String.format("%-" + width[i] + "s  ", row[i]) : row[i]);
      }
      text.append(line.toString().stripTrailing()).append('\n');
    }
    return text.toString();
  }
}
