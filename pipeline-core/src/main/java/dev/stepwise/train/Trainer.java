package dev.stepwise.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.model.Scalars;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The training loop shared by SFT and step-wise DPO: seeded data order, gradient accumulation,
 * global-norm clipping, AdamW with warmup and cosine decay, TRL-named metrics, and HF-style
 * checkpoints ({@code checkpoint-<step>/} with {@code trainer_state.json} and {@code
 * optimizer.safetensors}) from which an interrupted run resumes to the same result.
 *
 * <p>A non-finite loss or gradient norm stops training before the update, and non-finite weights
 * after it; either way no checkpoint is written after it, so the last good checkpoint stays as it
 * was. A checkpoint holding non-finite weights (written by an older version) is never resumed from.
 */
public final class Trainer<E> {

  /** Called around every update: progress, cancellation, parameter averaging across workers. */
  public interface Listener {
    /** Before each update; throw to stop (a killed Spark task calls killTaskIfInterrupted here). */
    default void beforeStep(long step) {}

    /** After each update with the step's averaged metrics. */
    default void afterStep(long step, long totalSteps, Map<String, Double> metrics) {}
  }

  public record Result(
      long steps, Map<String, Double> lastMetrics, List<Map<String, Object>> logHistory) {}

  private static final Object GRADIENT_COLLECTOR = new Object();
  static final String STATE_FILE = "trainer_state.json";
  static final String OPTIMIZER_FILE = "optimizer.safetensors";
  private static final String CANNOT_RESUME =
      "cannot be resumed from; delete it to resume from an earlier checkpoint, or use a new output directory";
  private static final Gson GSON =
      new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

  private final TrainSettings settings;
  private final Objective<E> objective;
  private final CausalLm model;
  private final CheckpointStore checkpoints;
  private final Listener listener;
  private ToIntFunction<E> length;
  private int windowBatches;

  public Trainer(
      TrainSettings settings,
      Objective<E> objective,
      CausalLm model,
      CheckpointStore checkpoints,
      Listener listener) {
    this.settings = settings;
    this.objective = objective;
    this.model = model;
    this.checkpoints = checkpoints;
    this.listener = listener;
  }

  /**
   * Batches examples of similar {@code length} together: the seeded order is sorted by length
   * within windows of {@code windowBatches} batches (padding waste dominates mixed-length SFT).
   */
  public Trainer<E> groupByLength(ToIntFunction<E> length, int windowBatches) {
    if (windowBatches < 1) {
      throw new IllegalArgumentException("windowBatches must be >= 1, got " + windowBatches);
    }
    this.length = length;
    this.windowBatches = windowBatches;
    return this;
  }

  /**
   * Trains on {@code examples}, writing {@code outputDir/checkpoint-<step>} along the way and the
   * final weights to {@code outputDir} itself. When {@code outputDir} already holds a checkpoint of
   * this run, training resumes from the latest one. A null {@code outputDir} trains in memory only
   * and writes nothing (benchmarks: a 0.5B model's weights and optimizer state are 6 GB on disk and
   * more on the heap while written).
   */
  public Result train(List<E> examples, Path outputDir) throws IOException {
    // Grad mode is per thread and on by default in a new one (a Spark task's): the updates below
    // are in place on leaf weights, which PyTorch only allows with it off. Collectors turn it on.
    JniUtils.setGradMode(false);
    Map<String, NDArray> parameters = model.parameters();
    AdamW optimizer = new AdamW(new AdamW.Settings(0.9, 0.999, 1e-8, settings.weightDecay()));
    List<Map<String, Object>> history = new ArrayList<>();
    long start = outputDir == null ? 0 : resume(outputDir, optimizer, parameters, history);
    long total = settings.totalSteps(examples.size());
    LearningRateSchedule schedule = settings.schedule(examples.size());
    DataOrder order =
        length == null
            ? new DataOrder(examples.size(), settings.seed())
            : new DataOrder(
                examples.stream().mapToInt(length).toArray(),
                settings.seed(),
                settings.batchSize(),
                windowBatches);
    Map<String, Double> last = Map.of();
    NDManager manager = parameters.values().iterator().next().getManager();

    for (long step = start; step < total; step++) {
      listener.beforeStep(step);
      // Training tasks that share a JVM (local[N], several workers) take turns for a whole
      // optimizer step: DJL allows one open GradientCollector per JVM, and steps of two tasks
      // running at once gave run-to-run different weights (cross-process test, workers = 2).
      Map<String, Double> metrics = new LinkedHashMap<>();
      double gradNorm;
      double lr;
      synchronized (GRADIENT_COLLECTOR) {
        Gradients.zero(parameters.values());
        for (int micro = 0; micro < settings.gradientAccumulation(); micro++) {
          List<E> batch = new ArrayList<>(settings.batchSize());
          for (int row :
              order.microBatch(
                  step * settings.gradientAccumulation() + micro, settings.batchSize())) {
            batch.add(examples.get(row));
          }
          try (NDScope scope = new NDScope();
              NDManager stepManager = manager.newSubManager();
              GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            Objective.Step out =
                objective.compute(
                    stepManager, model.at(new MicroBatch(settings.seed(), step, micro)), batch);
            double loss = out.metrics().get("loss");
            if (!Double.isFinite(loss)) {
              throw new NonFiniteLossException(step + 1, "loss", loss);
            }
            collector.backward(Scalars.div(out.loss(), settings.gradientAccumulation()));
            model.completeBackward(collector);
            out.metrics()
                .forEach(
                    (k, v) -> metrics.merge(k, v / settings.gradientAccumulation(), Double::sum));
          }
        }
        gradNorm = Gradients.clipByGlobalNorm(parameters.values(), settings.maxGradNorm());
        if (!Double.isFinite(gradNorm)) {
          throw new NonFiniteLossException(step + 1, "gradient norm", gradNorm);
        }
        lr = schedule.at(step);
        optimizer.update(parameters, lr);
        String diverged = FiniteWeights.firstNonFinite(parameters);
        if (diverged != null) {
          throw new NonFiniteLossException(step + 1, "weight '" + diverged + "' after the update");
        }
      }
      metrics.put("grad_norm", gradNorm);
      metrics.put("learning_rate", lr);
      last = metrics;
      long done = step + 1;
      if (done % settings.logEvery() == 0 || done == total) {
        Map<String, Object> entry = new LinkedHashMap<>(metrics);
        entry.put("step", done);
        history.add(entry);
      }
      listener.afterStep(done, total, metrics);
      if (outputDir != null
          && settings.saveEvery() > 0
          && done % settings.saveEvery() == 0
          && done < total) {
        writeCheckpoint(outputDir.resolve("checkpoint-" + done), done, total, optimizer, history);
      }
    }
    if (outputDir != null) writeCheckpoint(outputDir, total, total, optimizer, history);
    return new Result(total, last, history);
  }

  /**
   * Restores weights, optimizer moments and history from the latest checkpoint; returns its step.
   */
  private long resume(
      Path outputDir,
      AdamW optimizer,
      Map<String, NDArray> parameters,
      List<Map<String, Object>> history)
      throws IOException {
    Path latest = latestCheckpoint(outputDir);
    if (latest == null) {
      return 0;
    }
    JsonObject state =
        GSON.fromJson(Files.readString(latest.resolve(STATE_FILE)), JsonObject.class);
    if (state.get("seed").getAsLong() != settings.seed()) {
      throw new IllegalStateException(
          latest
              + " was written with seed "
              + state.get("seed")
              + ", not "
              + settings.seed()
              + ": use a new output directory or the same seed");
    }
    long step = state.get("global_step").getAsLong();
    if (state.has("checksums")) {
      for (Map.Entry<String, JsonElement> file : state.getAsJsonObject("checksums").entrySet()) {
        Path written = latest.resolve(file.getKey());
        if (!Files.isRegularFile(written)
            || !checksum(written).equals(file.getValue().getAsString())) {
          throw new IllegalStateException(
              written
                  + " is missing or differs from what was written (its CRC32C in "
                  + STATE_FILE
                  + "): "
                  + latest
                  + " "
                  + CANNOT_RESUME);
        }
      }
    }
    NDManager manager = parameters.values().iterator().next().getManager();
    try {
      checkpoints.restore(latest);
      try (NDManager loading = manager.newSubManager();
          InputStream in = Files.newInputStream(latest.resolve(OPTIMIZER_FILE))) {
        Map<String, NDArray> saved = new LinkedHashMap<>();
        for (NDArray array : NDList.decode(loading, in)) {
          saved.put(array.getName(), array);
        }
        optimizer.restore(step, saved, parameters);
      }
    } catch (IOException | RuntimeException e) { // unreadable, in a checkpoint without checksums
      throw new IllegalStateException(e.getMessage() + ": " + latest + " " + CANNOT_RESUME, e);
    }
    String nonFinite = FiniteWeights.firstNonFinite(parameters);
    if (nonFinite != null) {
      throw new IllegalStateException(
          latest + " holds non-finite weights ('" + nonFinite + "'): it " + CANNOT_RESUME);
    }
    state.getAsJsonArray("log_history").forEach(e -> history.add(GSON.fromJson(e, Map.class)));
    return step;
  }

  /** CRC32C of a file, as hex: what trainer_state.json records of each file beside it. */
  static String checksum(Path file) throws IOException {
    CRC32C crc = new CRC32C();
    byte[] buffer = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buffer)) > 0; ) crc.update(buffer, 0, n);
    }
    return Long.toHexString(crc.getValue());
  }

  /** True when {@code outputDir} holds the final weights of a finished run (its state file). */
  public static boolean finished(Path outputDir) {
    return outputDir != null && Files.isRegularFile(outputDir.resolve(STATE_FILE));
  }

  /**
   * The directory with the highest completed step: the output itself, or its latest checkpoint-N.
   */
  static Path latestCheckpoint(Path outputDir) throws IOException {
    if (Files.isRegularFile(outputDir.resolve(STATE_FILE))) {
      return outputDir;
    }
    if (!Files.isDirectory(outputDir)) {
      return null;
    }
    try (Stream<Path> children = Files.list(outputDir)) {
      return children
          .filter(p -> p.getFileName().toString().matches("checkpoint-\\d+"))
          .filter(p -> Files.isRegularFile(p.resolve(STATE_FILE)))
          .max((a, b) -> Long.compare(stepOf(a), stepOf(b)))
          .orElse(null);
    }
  }

  private static long stepOf(Path checkpoint) {
    return Long.parseLong(checkpoint.getFileName().toString().substring("checkpoint-".length()));
  }

  /**
   * Writes into a sibling temporary directory, then renames, so a half-written checkpoint is never
   * seen.
   */
  private void writeCheckpoint(
      Path dir, long step, long total, AdamW optimizer, List<Map<String, Object>> history)
      throws IOException {
    Path tmp = dir.resolveSibling("." + dir.getFileName() + ".tmp");
    deleteRecursively(tmp);
    Files.createDirectories(tmp);
    checkpoints.save(tmp);
    try (OutputStream out = Files.newOutputStream(tmp.resolve(OPTIMIZER_FILE))) {
      optimizer.state().encode(out, NDList.Encoding.SAFETENSORS);
    }
    JsonObject state = new JsonObject();
    state.addProperty("global_step", step);
    state.addProperty("max_steps", total);
    state.addProperty("seed", settings.seed());
    state.addProperty("train_batch_size", settings.batchSize());
    state.addProperty("gradient_accumulation_steps", settings.gradientAccumulation());
    state.add("log_history", GSON.toJsonTree(history));
    // What resume checks before it trusts the files (a truncated or damaged one is refused).
    JsonObject checksums = new JsonObject();
    try (Stream<Path> files = Files.list(tmp)) {
      for (Path file : files.sorted().toList())
        checksums.addProperty(file.getFileName().toString(), checksum(file));
    }
    state.add("checksums", checksums);
    Files.writeString(tmp.resolve(STATE_FILE), GSON.toJson(state), StandardCharsets.UTF_8);
    moveIntoPlace(tmp, dir);
  }

  private static void moveIntoPlace(Path tmp, Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      // The final directory already holds the checkpoint-N folders: move files one by one, the
      // state file last, because its presence is what marks a checkpoint complete.
      Files.deleteIfExists(dir.resolve(STATE_FILE));
      List<Path> files;
      try (Stream<Path> list = Files.list(tmp)) {
        files =
            list.sorted(
                    Comparator.comparing((Path f) -> f.getFileName().toString().equals(STATE_FILE)))
                .toList();
      }
      for (Path file : files) {
        Files.move(
            file,
            dir.resolve(file.getFileName()),
            StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
      }
      Files.delete(tmp);
    } else {
      Files.createDirectories(dir.getParent());
      Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
