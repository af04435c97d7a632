package dev.stepwise.spark.runtime;

import static org.apache.spark.sql.functions.col;

import com.google.gson.Gson;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 * Reads and writes the run's datasets through the schema registry: every read and write is checked
 * against the dataset's .avsc, and a write replaces exactly the partitions it owns.
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
    recover(dataset);
    try {
      return layout.fs().exists(path)
          && !partitionDirs(path, Datasets.get(dataset).partitionBy()).isEmpty();
    } catch (IOException e) {
      throw new StepwiseException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  /** Reads a whole dataset (all partitions), with columns in schema order and checked types. */
  public Dataset<Row> read(String dataset) {
    Path path = pathOf(dataset);
    if (!exists(dataset)) {
      throw new StepwiseException(
          "dataset '"
              + dataset
              + "' has no data in "
              + layout.root()
              + " (expected "
              + layout.relative(path)
              + "/); run the stage that writes it first");
    }
    return readPath(dataset, path);
  }

  private Dataset<Row> readPath(String dataset, Path path) {
    DatasetSchema schema = Datasets.get(dataset);
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

  /**
   * Like {@link #read}, but an empty dataset (no partition written yet, or all were empty) when
   * there is none.
   */
  public Dataset<Row> readIfAny(String dataset) {
    return exists(dataset)
        ? read(dataset)
        : spark.createDataFrame(List.of(), Datasets.get(dataset).sparkType());
  }

  /**
   * Writes rows and replaces the partitions they cover plus {@code owned} (partitions this stage is
   * responsible for, which it may leave empty). Other partitions are untouched.
   *
   * @param owned partition directory paths relative to the dataset ("source=gsm8k/split=test")
   * @return the partition paths written or cleared
   */
  public List<String> replacePartitions(String dataset, Dataset<Row> rows, Set<String> owned) {
    try (Staged staged = stage(dataset, rows, owned)) {
      return staged.commit();
    }
  }

  /** Rows for {@link #replacePartitions(List)}: a dataset, its rows and the partitions it owns. */
  public record Write(String dataset, Dataset<Row> rows, Set<String> owned) {}

  /**
   * {@link #replacePartitions(String, Dataset, Set)} for several datasets whose rows come from one
   * cached computation: their writes run as concurrent Spark jobs, so their planning and commit
   * latencies overlap instead of adding up, and none is committed unless all were written. Each
   * dataset at most once (staging a dataset clears its strays).
   */
  public void replacePartitions(List<Write> writes) {
    if (writes.stream().map(Write::dataset).distinct().count() < writes.size())
      throw new IllegalArgumentException("each dataset may be written once: " + writes);
    ExecutorService pool = Executors.newFixedThreadPool(writes.size());
    List<Future<Staged>> futures = new ArrayList<>();
    List<Staged> staged = new ArrayList<>();
    try {
      for (Write w : writes)
        futures.add(pool.submit(() -> stage(w.dataset(), w.rows(), w.owned())));
      RuntimeException failure = null;
      for (Future<Staged> f : futures) {
        try {
          staged.add(f.get());
        } catch (ExecutionException e) {
          if (failure == null)
            failure =
                e.getCause() instanceof RuntimeException r
                    ? r
                    : new StepwiseException(StepwiseException.oneLine(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new StepwiseException(
              "interrupted while writing " + writes.size() + " datasets", e);
        }
      }
      if (failure != null) throw failure;
      for (Staged s : staged) s.commit();
    } finally {
      staged.forEach(Staged::close);
      pool.shutdownNow();
    }
  }

  /**
   * Writes rows into a hidden temporary directory of the dataset without touching what readers see;
   * {@link Staged#commit} swaps them in, closing without a commit discards them. A command that
   * decides after writing whether it succeeded (an import) commits only on success.
   */
  public Staged stage(String dataset, Dataset<Row> rows, Set<String> owned) {
    DatasetSchema schema = Datasets.get(dataset);
    schema.requireMatches("the rows to write", rows.schema());
    if (schema.partitionBy().isEmpty())
      throw new IllegalStateException(dataset + " has no partition columns");
    Path root = pathOf(dataset);
    recover(dataset);
    Path tmp = new Path(root, "_tmp-" + UUID.randomUUID());
    try {
      rows.select(columnsOf(schema))
          .write()
          .mode(SaveMode.ErrorIfExists)
          .option("compression", "zstd")
          .partitionBy(schema.partitionBy().toArray(String[]::new))
          .parquet(tmp.toString());
      Set<String> partitions = new LinkedHashSet<>(owned);
      partitions.addAll(partitionDirs(tmp, schema.partitionBy()));
      return new Staged(dataset, tmp, List.copyOf(partitions));
    } catch (Exception e) { // Spark's write throws the checked SparkException, e.g. on a full disk
      deleteQuietly(layout.fs(), tmp);
      throw new StepwiseException(
          "cannot write " + dataset + " into " + tmp + ": " + StepwiseException.oneLine(e), e);
    }
  }

  /** Rows written by {@link #stage} and not yet visible to readers. */
  public final class Staged implements AutoCloseable {
    private final String dataset;
    private final Path tmp;
    private final List<String> partitions;
    private boolean committed;

    private Staged(String dataset, Path tmp, List<String> partitions) {
      this.dataset = dataset;
      this.tmp = tmp;
      this.partitions = partitions;
    }

    /** The staged rows, read like the dataset itself (empty when the write had none). */
    public Dataset<Row> read() {
      try {
        boolean any = !partitionDirs(tmp, Datasets.get(dataset).partitionBy()).isEmpty();
        return any
            ? readPath(dataset, tmp)
            : spark.createDataFrame(List.of(), Datasets.get(dataset).sparkType());
      } catch (IOException e) {
        throw new StepwiseException("cannot read " + tmp + ": " + e.getMessage(), e);
      }
    }

    public List<String> partitions() {
      return partitions;
    }

    /**
     * Swaps the staged partitions in. A journal naming every move is written first, so a process
     * killed halfway is completed by the next reader or writer of the dataset ({@link #recover}):
     * no reader through this class sees a partition missing or half old.
     */
    public List<String> commit() {
      Path root = pathOf(dataset);
      List<Move> moves = new ArrayList<>();
      for (String partition : partitions) {
        Path target = new Path(root, partition);
        Path fresh = new Path(tmp, partition);
        try {
          moves.add(
              new Move(
                  target.toString(),
                  layout.fs().exists(fresh) ? fresh.toString() : null,
                  new Path(target.getParent(), "_old-" + UUID.randomUUID()).toString()));
        } catch (IOException e) {
          throw new StepwiseException("cannot read " + fresh + ": " + e.getMessage(), e);
        }
      }
      layout.writeAtomically(journal(dataset), JOURNAL.toJson(new Journal(tmp.toString(), moves)));
      committed = true;
      recover(dataset);
      return partitions;
    }

    /** Discards the staged rows unless they were committed. */
    @Override
    public void close() {
      if (!committed) deleteQuietly(layout.fs(), tmp);
    }
  }

  /**
   * One partition replacement: {@code target} moves to {@code old}, {@code fresh} (null: none, the
   * partition is cleared) to target.
   */
  private record Move(String target, String fresh, String old) {}

  private record Journal(String tmp, List<Move> moves) {}

  private static final Gson JOURNAL = new Gson();

  /** Where a commit in progress is recorded; hidden from Spark's partition discovery. */
  private Path journal(String dataset) {
    return new Path(pathOf(dataset), RunLayout.COMMIT_JOURNAL);
  }

  /**
   * Completes a commit that a killed process left halfway: every move is rolled forward (the new
   * rows were complete before the journal was written), then the journal and the temporaries go.
   * Each step checks what is already done, so recovering twice, or recovering a finished commit, is
   * safe.
   */
  private void recover(String dataset) {
    Path journal = journal(dataset);
    FileSystem fs = layout.fs();
    Move current = null;
    try {
      if (!fs.exists(journal)) return;
      Journal pending = JOURNAL.fromJson(layout.readText(journal), Journal.class);
      for (Move move : pending.moves()) {
        current = move;
        Path target = new Path(move.target());
        Path old = new Path(move.old());
        boolean freshLeft = move.fresh() != null && fs.exists(new Path(move.fresh()));
        boolean oldInPlace =
            fs.exists(target) && !fs.exists(old) && (freshLeft || move.fresh() == null);
        if (oldInPlace && !fs.rename(target, old))
          throw new IOException("cannot move " + target + " aside to " + old);
        if (freshLeft) {
          fs.mkdirs(target.getParent());
          if (!fs.rename(new Path(move.fresh()), target))
            throw new IOException("cannot rename " + move.fresh() + " to " + target);
        }
        fs.delete(old, true);
      }
      fs.delete(journal, false);
      fs.delete(new Path(pending.tmp()), true);
    } catch (IOException | RuntimeException e) {
      throw new StepwiseException(
          "cannot replace "
              + (current == null ? dataset : current.target())
              + ": "
              + StepwiseException.oneLine(e)
              + " (fix the cause, e.g. permissions or space, and rerun: the replacement recorded in "
              + journal
              + " completes then)",
          e);
    }
  }

  /**
   * A failed write leaves no temporary directory behind (the failure itself is what gets reported).
   */
  private static void deleteQuietly(FileSystem fs, Path path) {
    try {
      fs.delete(path, true);
    } catch (IOException ignored) {
      // Hidden by its leading underscore: readers skip it, the next write ignores it.
    }
  }

  /** Partition directories ("a=1/b=x") under root, depth = number of partition columns. */
  private List<String> partitionDirs(Path root, List<String> columns) throws IOException {
    List<String> found = new ArrayList<>();
    collect(layout.fs(), root, "", columns, 0, found);
    return found;
  }

  private static void collect(
      FileSystem fs, Path dir, String prefix, List<String> columns, int depth, List<String> out)
      throws IOException {
    if (depth == columns.size()) {
      out.add(prefix);
      return;
    }
    for (FileStatus s : fs.listStatus(dir)) {
      String name = s.getPath().getName();
      if (s.isDirectory() && name.startsWith(columns.get(depth) + "=")) {
        collect(
            fs,
            s.getPath(),
            prefix.isEmpty() ? name : prefix + "/" + name,
            columns,
            depth + 1,
            out);
      }
    }
  }

  private static Column[] columnsOf(DatasetSchema schema) {
    return Arrays.stream(schema.sparkType().fields())
        .map(StructField::name)
        .map(n -> col(n))
        .toArray(Column[]::new);
  }

  /** A partition's directory path from its values, in the dataset's partition-column order. */
  public static String partition(String dataset, String... values) {
    List<String> columns = Datasets.get(dataset).partitionBy();
    if (values.length != columns.size()) {
      throw new IllegalArgumentException(
          dataset + " is partitioned by " + columns + ", got " + values.length + " values");
    }
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < values.length; i++) parts.add(columns.get(i) + "=" + values[i]);
    return String.join("/", parts);
  }
}
