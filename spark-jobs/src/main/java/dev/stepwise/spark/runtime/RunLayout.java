package dev.stepwise.spark.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.local.RawLocalFs;

/**
 * Where everything of a run lives, on any Hadoop FileSystem (docs/design.md "A run on disk"):
 *
 * <pre>
 * run.json                       manifest, rewritten atomically after each stage
 * config.conf                    resolved configuration
 * data/&lt;dataset&gt;/&lt;col&gt;=&lt;v&gt;/    Hive-partitioned zstd Parquet (round=R for per-round datasets)
 * data/_rejected/                rows that could not be used, with file, line and reason
 * checkpoints/round=R/           HF model directories
 * reports/                       report.md and PNG charts
 * logs/                          Spark's log of each command (RunLogs)
 * run.lock                       the driver that uses the run (RunLock)
 * </pre>
 */
public final class RunLayout {
  /** In a dataset's directory while DatasetIO replaces partitions: the moves still to finish. */
  public static final String COMMIT_JOURNAL = "_commit.json";

  private final Path root;
  private final FileSystem fs;
  private final Configuration hadoopConf;

  private RunLayout(Path root, FileSystem fs, Configuration hadoopConf) {
    this.root = root;
    this.fs = fs;
    this.hadoopConf = hadoopConf;
  }

  /**
   * The file system for the run's own small files. On the local disk that is Hadoop's raw local
   * one: the default one writes a {@code .NAME.crc} beside each file, and a killed write left its
   * temporary's checksum behind as a stray; the file is replaced whole by a rename anyway.
   */
  private FileSystem ownFiles() {
    return fs instanceof ChecksumFileSystem checksummed ? checksummed.getRawFileSystem() : fs;
  }

  /** {@link #ownFiles}' configuration for FileContext, which picks the file system by scheme. */
  private Configuration ownFilesConf() {
    if (!(fs instanceof ChecksumFileSystem)) return hadoopConf;
    Configuration raw = new Configuration(hadoopConf);
    raw.set("fs.AbstractFileSystem.file.impl", RawLocalFs.class.getName());
    return raw;
  }

  /** Opens (and creates) the run directory, failing with one clear line when it cannot be used. */
  public static RunLayout open(String dir, Configuration hadoopConf) {
    try {
      Path path = new Path(dir);
      FileSystem fs = path.getFileSystem(hadoopConf);
      Path root = fs.makeQualified(path);
      if (fs.exists(root) && !fs.getFileStatus(root).isDirectory()) {
        throw new StepwiseException(
            "run directory " + root + " is a file; pass --run with a directory");
      }
      fs.mkdirs(root);
      RunLayout layout = new RunLayout(root, fs, hadoopConf);
      layout.probeWritable();
      return layout;
    } catch (IOException | IllegalArgumentException e) {
      throw new StepwiseException("cannot use run directory " + dir + ": " + e.getMessage(), e);
    }
  }

  private void probeWritable() throws IOException {
    Path probe = new Path(root, "._probe-" + UUID.randomUUID());
    try (OutputStream out = ownFiles().create(probe, false)) {
      out.write(0);
    }
    ownFiles().delete(probe, false);
  }

  public Path root() {
    return root;
  }

  public FileSystem fs() {
    return fs;
  }

  public Path runJson() {
    return new Path(root, "run.json");
  }

  public Path configConf() {
    return new Path(root, "config.conf");
  }

  public Path dataset(String name) {
    return new Path(root, "data/" + name);
  }

  /** Rejected rows live under a name Spark's partition discovery skips (leading underscore). */
  public Path rejected() {
    return new Path(root, "data/_rejected");
  }

  public Path checkpoint(int round) {
    return new Path(root, "checkpoints/round=" + round);
  }

  public Path reports() {
    return new Path(root, "reports");
  }

  /**
   * The path relative to the run root, as the manifest records it (a run stays valid when moved).
   */
  public String relative(Path path) {
    String r = root.toUri().getPath();
    String p = path.toUri().getPath();
    return p.startsWith(r + "/") ? p.substring(r.length() + 1) : path.toString();
  }

  /**
   * Writes a small file atomically: temporary file, then a rename that replaces the old one. No
   * checksum file is written; one an older version wrote is removed first, as it would no longer
   * match.
   */
  public void writeAtomically(Path target, String text) {
    Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
    try {
      FileContext fc = FileContext.getFileContext(target.toUri(), ownFilesConf());
      try (OutputStream out =
          fc.create(
              tmp,
              EnumSet.of(CreateFlag.CREATE, CreateFlag.OVERWRITE),
              Options.CreateOpts.createParent())) {
        out.write(text.getBytes(StandardCharsets.UTF_8));
      }
      if (fs instanceof ChecksumFileSystem checksummed)
        ownFiles().delete(checksummed.getChecksumFile(target), false);
      fc.rename(tmp, target, Options.Rename.OVERWRITE);
    } catch (IOException | FSError e) { // the local file system reports a full disk as FSError
      deleteQuietly(tmp); // no half-written temporary stays behind
      throw new StepwiseException(
          "cannot write " + target + ": " + StepwiseException.oneLine(e), e);
    }
  }

  private void deleteQuietly(Path path) {
    try {
      ownFiles().delete(path, false);
    } catch (IOException ignored) {
      // cleanTemporaries removes it when the run is next opened
    }
  }

  /**
   * Removes what a killed process left behind: half-written small files (and their .crc),
   * checkpoint copies, and dataset writes that no pending commit journal refers to (DatasetIO
   * completes those). Called by the driver that holds the run's lock, so nothing is in flight.
   */
  public void cleanTemporaries() {
    try {
      deleteTemporaries(root);
      deleteTemporaries(new Path(root, "checkpoints"));
      Path data = new Path(root, "data");
      if (fs.exists(data)) {
        for (FileStatus dataset : fs.listStatus(data)) {
          if (dataset.isDirectory()) deleteTemporaries(dataset.getPath());
        }
      }
    } catch (IOException e) {
      throw new StepwiseException(
          "cannot clean up temporary files in " + root + ": " + e.getMessage(), e);
    }
  }

  private void deleteTemporaries(Path dir) throws IOException {
    if (!fs.exists(dir)) return;
    Path journal = new Path(dir, COMMIT_JOURNAL);
    String pending = fs.exists(journal) ? readText(journal) : "";
    for (FileStatus s : fs.listStatus(dir)) {
      String name = s.getPath().getName();
      // writeAtomically's temporary (or the .crc an older version wrote with it), or the probe
      boolean halfWritten = name.matches("\\..*\\.tmp-.*") || name.matches("\\.+_probe-.*");
      if (halfWritten || name.startsWith("_tmp-") && !pending.contains(name))
        fs.delete(s.getPath(), true);
    }
  }

  public String readText(Path path) throws IOException {
    try (var in = fs.open(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
