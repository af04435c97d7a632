package dev.stepwise.spark.runtime;

import com.typesafe.config.ConfigRenderOptions;
import dev.stepwise.spark.config.StepwiseConfig;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Runs a stage and records it in run.json: "running" before, then "succeeded" with its outputs and
 * metrics, or "failed" with the reason. Also writes the resolved config.conf. Each record keeps
 * what resuming compares (config sections and outside inputs), see {@link #changed}.
 */
public final class StageRunner {
  /**
   * The config sections each stage's results depend on besides its input data. A stage not listed
   * (imports, neurons) depends on the whole configuration. Layout-only sections (spark, run.dir,
   * loop.rounds, demo) are in none: changing them reruns nothing.
   */
  private static final Map<String, List<String>> SECTIONS =
      Map.of(
          "tasks", List.of("run.seed", "tasks"),
          "sft", List.of("run.seed", "tasks", "judge.check", "model", "sft", "train"),
          "search", List.of("run.seed", "model", "search", "sampling", "judge"),
          "pairs", List.of("run.seed", "pairs"),
          "ref", List.of(),
          "dpo", List.of("run.seed", "dpo", "train"),
          "eval", List.of("run.seed", "tasks", "model", "eval", "judge"),
          "align_eval", List.of("run.seed", "tasks", "align", "eval", "train"),
          "pats", List.of("run.seed", "model", "prompts", "prm", "pats", "judge.check"));

  private final RunLayout layout;
  private final StepwiseConfig config;

  @Inject
  public StageRunner(RunLayout layout, StepwiseConfig config) {
    this.layout = layout;
    this.config = config;
  }

  /** What a stage body reports back. */
  public static final class Stage {
    private final Map<String, String> outputs = new LinkedHashMap<>();
    private final Map<String, Object> metrics = new LinkedHashMap<>();
    private final RunLayout layout;

    private Stage(RunLayout layout) {
      this.layout = layout;
    }

    public void output(String dataset, Path path) {
      outputs.put(dataset, layout.relative(path));
    }

    public void metric(String name, Object value) {
      metrics.put(name, value);
    }
  }

  public <T> T run(String name, Integer round, List<String> inputs, Function<Stage, T> body) {
    layout.writeAtomically(layout.configConf(), config.render());
    String started = Instant.now().toString();
    Map<String, String> sections = sections(name);
    Map<String, String> inputIds = inputIds(inputs);
    Manifest manifest = Manifest.load(layout);
    manifest.put(
        new StageRecord(
            name,
            round,
            StageRecord.RUNNING,
            started,
            null,
            config.hash(),
            inputs,
            Map.of(),
            Map.of(),
            null,
            sections,
            inputIds));
    manifest.save(layout);
    Stage stage = new Stage(layout);
    try {
      T result = body.apply(stage);
      record(
          new StageRecord(
              name,
              round,
              StageRecord.SUCCEEDED,
              started,
              Instant.now().toString(),
              config.hash(),
              inputs,
              stage.outputs,
              stage.metrics,
              null,
              sections,
              inputIds));
      return result;
    } catch (
        Throwable
            e) { // Spark's SparkException is checked but thrown through Java calls all the same
      record(
          new StageRecord(
              name,
              round,
              StageRecord.FAILED,
              started,
              Instant.now().toString(),
              config.hash(),
              inputs,
              stage.outputs,
              stage.metrics,
              StepwiseException.oneLine(e),
              sections,
              inputIds));
      throw e;
    }
  }

  private void record(StageRecord record) {
    Manifest manifest = Manifest.load(layout);
    manifest.put(record);
    manifest.save(layout);
  }

  /**
   * Why a recorded stage would not give the same results now, or null when nothing it depends on
   * changed: the config sections that differ, or the outside inputs whose files changed.
   */
  public String changed(StageRecord recorded) {
    List<String> why = new ArrayList<>();
    if (recorded.sections() != null) {
      List<String> differ = new ArrayList<>();
      sections(recorded.name())
          .forEach(
              (section, hash) -> {
                if (!hash.equals(recorded.sections().get(section))) differ.add(section);
              });
      if (!differ.isEmpty()) why.add("config changed: " + String.join(", ", differ));
    }
    if (recorded.inputIds() != null) {
      recorded
          .inputIds()
          .forEach(
              (input, id) -> {
                if (!Objects.equals(id, fingerprint(input))) why.add("input changed: " + input);
              });
    }
    return why.isEmpty() ? null : String.join("; ", why);
  }

  private Map<String, String> sections(String stage) {
    List<String> names = SECTIONS.get(stage);
    Map<String, String> hashes = new TreeMap<>();
    if (names == null) {
      hashes.put("stepwise", config.hash().substring(0, 16));
      return hashes;
    }
    for (String name : names) {
      String key = "stepwise." + name;
      String text =
          config.raw().hasPath(key)
              ? config.raw().getValue(key).render(ConfigRenderOptions.concise())
              : "";
      hashes.put(key, sha256(text));
    }
    return hashes;
  }

  /**
   * Fingerprints of the inputs outside the run; inputs inside it are other stages' outputs, which
   * resuming orders.
   */
  private Map<String, String> inputIds(List<String> inputs) {
    Map<String, String> ids = new TreeMap<>();
    for (String input : inputs) {
      String id = fingerprint(input);
      if (id != null) ids.put(input, id);
    }
    return ids;
  }

  /**
   * A hash of the names, sizes and modification times of the files at {@code input}; null when it
   * is in the run, does not exist or is not a path.
   */
  private String fingerprint(String input) {
    try {
      Path path = new Path(input);
      if (!layout.relative(path).equals(path.toString())) return null;
      FileSystem fs = path.getFileSystem(layout.fs().getConf());
      if (!fs.exists(path)) return null;
      List<String> files = new ArrayList<>();
      for (RemoteIterator<LocatedFileStatus> it = fs.listFiles(path, true); it.hasNext(); ) {
        LocatedFileStatus f = it.next();
        files.add(f.getPath().toUri().getPath() + ":" + f.getLen() + ":" + f.getModificationTime());
      }
      files.sort(null);
      return sha256(String.join("\n", files));
    } catch (IOException | IllegalArgumentException e) {
      return null; // not a path ("synthetic:train:2"): nothing to compare
    }
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)))
          .substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
