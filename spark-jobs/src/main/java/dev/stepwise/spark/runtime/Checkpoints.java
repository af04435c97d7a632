package dev.stepwise.spark.runtime;

import dev.stepwise.model.lora.AdapterDirectory;
import dev.stepwise.train.CheckpointCheck;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Moves HF checkpoint directories between the run's storage (any Hadoop FS) and the local disk DJL
 * loads from: a remote checkpoint is copied once per executor into a node-local cache, a trained
 * one is published with a temporary directory and a rename, so a half-copied checkpoint is never
 * visible under its final name. Only a checkpoint that passes {@link CheckpointCheck} (the checks
 * of `stepwise model generate`) is published.
 */
public final class Checkpoints {

  private Checkpoints() {}

  /**
   * A local directory holding the checkpoint at {@code uri}: itself when local, else a cached copy.
   */
  public static java.nio.file.Path localize(String uri, Configuration conf) {
    Path source = new Path(uri);
    try {
      FileSystem fs = source.getFileSystem(conf);
      if ("file".equals(fs.getScheme())) {
        return java.nio.file.Path.of(fs.makeQualified(source).toUri());
      }
      java.nio.file.Path cache =
          java.nio.file.Path.of(
              System.getProperty("java.io.tmpdir"),
              "stepwise-checkpoints",
              HexFormat.of()
                  .formatHex(MessageDigest.getInstance("SHA-256").digest(uri.getBytes()))
                  .substring(0, 16));
      if (Files.isRegularFile(cache.resolve("config.json")) || AdapterDirectory.isAdapter(cache)) {
        return cache;
      }
      java.nio.file.Path tmp = cache.resolveSibling(cache.getFileName() + "-" + UUID.randomUUID());
      Files.createDirectories(tmp);
      for (FileStatus file : fs.listStatus(source)) {
        if (file.isFile()) {
          try (InputStream in = fs.open(file.getPath())) {
            Files.copy(in, tmp.resolve(file.getPath().getName()));
          }
        }
      }
      try {
        Files.move(tmp, cache, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException raced) {
        deleteLocal(tmp); // another task of this executor copied it first
      }
      return cache;
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new StepwiseException("cannot read checkpoint " + uri + ": " + e.getMessage(), e);
    }
  }

  /**
   * How a new adapter names its base {@code uri}: a local checkpoint by its absolute path (what
   * PEFT reads), any other by its qualified URI.
   */
  public static String pointer(String uri, Configuration conf) {
    Path source = new Path(uri);
    try {
      FileSystem fs = source.getFileSystem(conf);
      Path qualified = fs.makeQualified(source);
      return "file".equals(fs.getScheme())
          ? java.nio.file.Path.of(qualified.toUri()).toString()
          : qualified.toString();
    } catch (IOException e) {
      throw new StepwiseException("cannot resolve checkpoint " + uri + ": " + e.getMessage(), e);
    }
  }

  /**
   * Copies the files of a local checkpoint to {@code target} on the run's storage, replacing it,
   * once it passed {@link CheckpointCheck#verify}: a truncated, incomplete or non-finite checkpoint
   * fails here, naming its file, and never reaches the run.
   */
  public static void publish(java.nio.file.Path local, Path target, Configuration conf) {
    try {
      CheckpointCheck.verify(local);
    } catch (IOException e) {
      throw new StepwiseException("not publishing " + target + ": " + e.getMessage(), e);
    }
    try {
      FileSystem fs = target.getFileSystem(conf);
      Path tmp = new Path(target.getParent(), "_tmp-" + target.getName() + "-" + UUID.randomUUID());
      try (Stream<java.nio.file.Path> files = Files.list(local)) {
        for (java.nio.file.Path file : (Iterable<java.nio.file.Path>) files::iterator) {
          if (Files.isRegularFile(file)) {
            fs.copyFromLocalFile(
                false, true, new Path(file.toUri()), new Path(tmp, file.getFileName().toString()));
          }
        }
      } catch (IOException | FSError e) { // the local file system reports a full disk as FSError
        fs.delete(tmp, true); // the half copy goes, the old checkpoint stays
        throw e;
      }
      if (fs.exists(target)) {
        fs.delete(target, true);
      }
      fs.mkdirs(target.getParent());
      if (!fs.rename(tmp, target)) {
        throw new IOException("cannot rename " + tmp + " to " + target);
      }
    } catch (IOException | FSError e) {
      throw new StepwiseException(
          "cannot write checkpoint " + target + ": " + StepwiseException.oneLine(e), e);
    }
  }

  /**
   * Whether a complete checkpoint exists at {@code dir} (its config and weights are there, or an
   * adapter's).
   */
  public static boolean exists(Path dir, Configuration conf) {
    try {
      FileSystem fs = dir.getFileSystem(conf);
      return fs.exists(new Path(dir, "config.json"))
              && (fs.exists(new Path(dir, "model.safetensors"))
                  || fs.exists(new Path(dir, "model.safetensors.index.json")))
          || fs.exists(new Path(dir, AdapterDirectory.CONFIG))
              && fs.exists(new Path(dir, AdapterDirectory.WEIGHTS));
    } catch (IOException e) {
      throw new StepwiseException("cannot read " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * A content id of the checkpoint at {@code uri}: SHA-256 over its config and weight files, first
   * 16 hex digits. Reference log-probs are keyed by it, so retraining invalidates them.
   */
  public static String contentId(String uri, Configuration conf) {
    Path dir = new Path(uri);
    try {
      FileSystem fs = dir.getFileSystem(conf);
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      FileStatus[] files = fs.listStatus(dir);
      Arrays.sort(files, Comparator.comparing(f -> f.getPath().getName()));
      byte[] buffer = new byte[1 << 16];
      for (FileStatus file : files) {
        String name = file.getPath().getName();
        if (file.isFile()
            && (name.equals("config.json")
                || name.equals(AdapterDirectory.CONFIG)
                || name.endsWith(".safetensors"))
            && !name.equals("optimizer.safetensors")) {
          digest.update(name.getBytes(StandardCharsets.UTF_8));
          try (InputStream in = fs.open(file.getPath())) {
            for (int n; (n = in.read(buffer)) > 0; ) {
              digest.update(buffer, 0, n);
            }
          }
        }
      }
      return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new StepwiseException("cannot read checkpoint " + uri + ": " + e.getMessage(), e);
    }
  }

  public static void deleteLocal(java.nio.file.Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<java.nio.file.Path> walk = Files.walk(dir)) {
      for (java.nio.file.Path p :
          (Iterable<java.nio.file.Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
