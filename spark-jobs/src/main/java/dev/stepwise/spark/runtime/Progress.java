package dev.stepwise.spark.runtime;

import java.io.PrintStream;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;

/**
 * Live progress of a distributed stage: tasks add to accumulators as items finish, and a driver
 * thread prints "items done / total, tokens per second, ETA" every few seconds.
 */
public final class Progress implements AutoCloseable {

  private final String label;
  private final long total;
  private final LongAccumulator items;
  private final LongAccumulator tokens;
  private final LongAccumulator modelNanos;
  private final long started = System.nanoTime();
  private final Thread printer;
  private final PrintStream out;

  public Progress(SparkSession spark, String label, long total, PrintStream out) {
    this.label = label;
    this.total = total;
    this.out = out;
    this.items = spark.sparkContext().longAccumulator(label + ".items");
    this.tokens = spark.sparkContext().longAccumulator(label + ".tokens");
    this.modelNanos = spark.sparkContext().longAccumulator(label + ".model_nanos");
    this.printer = new Thread(this::printLoop, "progress-" + label);
    printer.setDaemon(true);
    printer.start();
  }

  /** Counters a task adds to; serializable, so they travel with the task. */
  public Counters counters() {
    return new Counters(items, tokens, modelNanos);
  }

  public record Counters(LongAccumulator items, LongAccumulator tokens, LongAccumulator modelNanos)
      implements Serializable {
    public void add(long doneItems, long doneTokens, long nanos) {
      items.add(doneItems);
      tokens.add(doneTokens);
      modelNanos.add(nanos);
    }
  }

  /**
   * Records the work's throughput in a stage's manifest entry: tokens_sampled, tokens_per_second,
   * wall_seconds, model_seconds (summed over tasks) and the tasks' placements.
   */
  public void recordIn(StageRunner.Stage stage, List<String> placements) {
    stage.metric("tokens_sampled", tokens());
    stage.metric("tokens_per_second", tokens() / Math.max(seconds(), 1e-9));
    stage.metric("wall_seconds", seconds());
    stage.metric("model_seconds", modelSeconds());
    stage.metric("task_placements", List.copyOf(new TreeSet<>(placements)));
  }

  public double seconds() {
    return (System.nanoTime() - started) / 1e9;
  }

  public long tokens() {
    return tokens.value();
  }

  /** Seconds spent inside model work, summed over tasks. */
  public double modelSeconds() {
    return modelNanos.value() / 1e9;
  }

  private void printLoop() {
    try {
      while (true) {
        Thread.sleep(5000);
        out.println(line());
      }
    } catch (InterruptedException done) {
      Thread.currentThread().interrupt();
    }
  }

  String line() {
    long done = items.value();
    double elapsed = seconds();
    double eta = done == 0 ? Double.NaN : elapsed / done * (total - done);
    return String.format(
        Locale.ROOT,
        "  %s: %d/%d done, %.0f tokens/s, ETA %s",
        label,
        done,
        total,
        tokens.value() / Math.max(elapsed, 1e-9),
        Double.isNaN(eta) ? "?" : String.format(Locale.ROOT, "%.0fs", eta));
  }

  @Override
  public void close() {
    printer.interrupt();
    out.println(
        String.format(
            Locale.ROOT,
            "  %s: %d/%d done in %.0fs, %.0f tokens/s",
            label,
            items.value(),
            total,
            seconds(),
            tokens.value() / Math.max(seconds(), 1e-9)));
  }
}
