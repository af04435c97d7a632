package dev.stepwise.spark.runtime;

import static org.apache.spark.sql.functions.col;

import dev.stepwise.schemas.DatasetSchema;
import dev.stepwise.schemas.Datasets;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;

/**
 * Reads and writes the run's datasets through the schema registry: every read and write is
 * checked against the dataset's .avsc, and a write replaces exactly the partitions it owns.
 */
public final class DatasetIO {
  private final SparkSession spark;
  private final RunLayout layout;

  @Inject
  public DatasetIO(SparkSession spark, RunLayout layout) {
    this.spark = spark;
    this.layout = layout;
  }

  public Path pathOf(String dataset) {
    return Datasets.REJECTED.equals(dataset) ? layout.rejected() : layout.dataset(dataset);
  }

  /** Whether any partition of the dataset has been written. */
  public boolean exists(String dataset) {
    Path path = pathOf(dataset);
    try {
      return layout.fs().exists(path) && !partitionDirs(path, Datasets.get(dataset).partitionBy()).isEmpty();
    } catch (IOException e) {
      throw new StepwiseException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  /** Reads a whole dataset (all partitions), with columns in schema order and checked types. */
  public Dataset<Row> read(String dataset) {
    DatasetSchema schema = Datasets.get(dataset);
    Path path = pathOf(dataset);
    if (!exists(dataset)) {
      throw new StepwiseException("dataset '" + dataset + "' has no data in " + layout.root()
          + " (expected " + layout.relative(path) + "/); run the stage that writes it first");
    }
    Dataset<Row> rows = spark.read().option("basePath", path.toString()).parquet(path.toString());
    // Partition values are directory names; Spark guesses their types, the schema decides them.
    for (String p : schema.partitionBy()) {
      if (Arrays.asList(rows.columns()).contains(p)) {
        rows = rows.withColumn(p, col(p).cast(schema.sparkType().apply(p).dataType()));
      }
    }
    schema.requireMatches(path.toString(), rows.schema());
    return rows.select(columnsOf(schema));
  }

  /** Like {@link #read}, but an empty dataset (no partition written yet, or all were empty) when there is none. */
  public Dataset<Row> readIfAny(String dataset) {
    return exists(dataset) ? read(dataset) : spark.createDataFrame(List.of(), Datasets.get(dataset).sparkType());
  }

  /**
   * Writes rows and replaces the partitions they cover plus {@code owned} (partitions this
   * stage is responsible for, which it may leave empty). Written to a hidden temporary
   * directory first, then renamed into place; other partitions are untouched.
   *
   * @param owned partition directory paths relative to the dataset ("source=gsm8k/split=test")
   * @return the partition paths written or cleared
   */
  public List<String> replacePartitions(String dataset, Dataset<Row> rows, Set<String> owned) {
    DatasetSchema schema = Datasets.get(dataset);
    schema.requireMatches("the rows to write", rows.schema());
    if (schema.partitionBy().isEmpty()) throw new IllegalStateException(dataset + " has no partition columns");
    Path root = pathOf(dataset);
    Path tmp = new Path(root, "_tmp-" + UUID.randomUUID());
    FileSystem fs = layout.fs();
    try {
      rows.select(columnsOf(schema)).write().mode(SaveMode.ErrorIfExists).option("compression", "zstd")
          .partitionBy(schema.partitionBy().toArray(String[]::new)).parquet(tmp.toString());
      Set<String> partitions = new LinkedHashSet<>(owned);
      partitions.addAll(partitionDirs(tmp, schema.partitionBy()));
      for (String partition : partitions) {
        swapIn(fs, new Path(tmp, partition), new Path(root, partition));
      }
      return List.copyOf(partitions);
    } catch (IOException e) {
      throw new StepwiseException("cannot commit " + dataset + " into " + root + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(fs, tmp);
    }
  }

  /** A failed write leaves no temporary directory behind (the failure itself is what gets reported). */
  private static void deleteQuietly(FileSystem fs, Path path) {
    try {
      fs.delete(path, true);
    } catch (IOException ignored) {
      // Hidden by its leading underscore: readers skip it, the next write ignores it.
    }
  }

  /** Moves the old partition aside, the new one in, then deletes the old: readers see old or new, never a mix. */
  private static void swapIn(FileSystem fs, Path fresh, Path target) throws IOException {
    Path old = new Path(target.getParent(), "_old-" + UUID.randomUUID());
    boolean hadOld = fs.exists(target);
    if (hadOld && !fs.rename(target, old)) throw new IOException("cannot move " + target + " aside");
    if (fs.exists(fresh)) {
      fs.mkdirs(target.getParent());
      if (!fs.rename(fresh, target)) throw new IOException("cannot rename " + fresh + " to " + target);
    }
    if (hadOld) fs.delete(old, true);
  }

  /** Partition directories ("a=1/b=x") under root, depth = number of partition columns. */
  private List<String> partitionDirs(Path root, List<String> columns) throws IOException {
    List<String> found = new ArrayList<>();
    collect(layout.fs(), root, "", columns, 0, found);
    return found;
  }

  private static void collect(FileSystem fs, Path dir, String prefix, List<String> columns, int depth, List<String> out)
      throws IOException {
    if (depth == columns.size()) {
      out.add(prefix);
      return;
    }
    for (FileStatus s : fs.listStatus(dir)) {
      String name = s.getPath().getName();
      if (s.isDirectory() && name.startsWith(columns.get(depth) + "=")) {
        collect(fs, s.getPath(), prefix.isEmpty() ? name : prefix + "/" + name, columns, depth + 1, out);
      }
    }
  }

  private static Column[] columnsOf(DatasetSchema schema) {
    return Arrays.stream(schema.sparkType().fields()).map(StructField::name).map(n -> col(n)).toArray(Column[]::new);
  }

  /** A partition's directory path from its values, in the dataset's partition-column order. */
  public static String partition(String dataset, String... values) {
    List<String> columns = Datasets.get(dataset).partitionBy();
    if (values.length != columns.size()) {
      throw new IllegalArgumentException(dataset + " is partitioned by " + columns + ", got " + values.length + " values");
    }
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < values.length; i++) parts.add(columns.get(i) + "=" + values[i]);
    return String.join("/", parts);
  }
}
