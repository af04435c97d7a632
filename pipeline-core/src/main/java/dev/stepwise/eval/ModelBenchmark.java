package dev.stepwise.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.stepwise.generate.GenerationRequest;
import dev.stepwise.generate.Generator;
import dev.stepwise.generate.TokenDecoder;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.CompletionScorer;
import dev.stepwise.model.LeftPaddedBatch;
import dev.stepwise.model.LlamaConfig;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.lora.LoraAdapter;
import dev.stepwise.model.lora.LoraSettings;
import dev.stepwise.sampling.FixedSampler;
import dev.stepwise.sampling.Logits;
import dev.stepwise.train.DpoObjective;
import dev.stepwise.train.LlamaTrainable;
import dev.stepwise.train.Objective;
import dev.stepwise.train.PreferencePair;
import dev.stepwise.train.SftExample;
import dev.stepwise.train.SftObjective;
import dev.stepwise.train.StepDpoLoss;
import dev.stepwise.train.TorchThreads;
import dev.stepwise.train.TrainSettings;
import dev.stepwise.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Speed and memory of a checkpoint on this machine: generation with and without the KV cache,
 * scoring, SFT and DPO steps, peak RSS per part and RSS growth over many small generate calls.
 * Inputs are seeded random token ids and decoding is greedy with no EOS, so every row generates
 * exactly its token budget; text is never decoded (this measures the model, not the tokenizer).
 * Each figure goes to the {@link Listener} as soon as it is measured: at a real model's size a part
 * takes minutes.
 */
public final class ModelBenchmark {

  /** Models from this many parameters get the real-size defaults of {@link Settings#forModel}. */
  public static final long REAL_SIZE_PARAMETERS = 100_000_000L;

  /**
   * @param contexts sequence lengths at which decoding speed is measured
   * @param batches batch sizes at which cached decoding is measured
   * @param uncachedBatches batch sizes at which uncached decoding (full forward passes) is measured
   *     too
   * @param memoryCalls small generate calls in the RSS-growth run
   * @param trainSteps timed optimizer steps for SFT and for DPO
   * @param warmupSteps untimed optimizer steps run before them
   * @param trainBatch SFT rows per step; DPO takes a quarter as many pairs (at least one), scoring
   *     at most 16 rows
   * @param trainTokens tokens per SFT row (30% prompt)
   * @param dpoPairs preference pairs per DPO step (full and LoRA)
   * @param dpoMicroPairs pairs per forward and backward pass of a DPO step, which accumulates the
   *     gradients of dpoPairs / dpoMicroPairs such passes (HF's per-device batch size with gradient
   *     accumulation: the same step in less memory)
   * @param dpoSide tokens per DPO side (80% shared prefix)
   * @param repeats decoding figures are the best of this many runs (a busy neighbour shows as slow
   *     runs)
   * @param checkpointFullDpo whether the full-parameter DPO step uses activation checkpointing (as
   *     full fine-tuning must at a real size to fit the machine at the paper's batch)
   */
  public record Settings(
      List<Integer> contexts,
      List<Integer> batches,
      List<Integer> uncachedBatches,
      int memoryCalls,
      int trainSteps,
      int warmupSteps,
      int trainBatch,
      int trainTokens,
      int dpoPairs,
      int dpoMicroPairs,
      int dpoSide,
      int repeats,
      boolean checkpointFullDpo,
      long seed) {
    public Settings {
      if (dpoPairs < 1 || dpoSide < 10)
        throw new IllegalArgumentException(
            "DPO pairs must be >= 1 and DPO tokens >= 10, got " + dpoPairs + ", " + dpoSide);
      if (dpoMicroPairs < 1 || dpoPairs % dpoMicroPairs != 0)
        throw new IllegalArgumentException(
            "DPO pairs per micro-batch must divide the "
                + dpoPairs
                + " pairs of a step, got "
                + dpoMicroPairs);
      if (memoryCalls < 1 || trainSteps < 1 || trainBatch < 1 || repeats < 1) {
        throw new IllegalArgumentException(
            "calls, train steps, train batch and repeats must be >= 1");
      }
      if (warmupSteps < 0)
        throw new IllegalArgumentException("warm-up steps must be >= 0, got " + warmupSteps);
      if (trainTokens < 10)
        throw new IllegalArgumentException("train tokens must be >= 10, got " + trainTokens);
      for (int c : contexts) {
        if (c <= CACHED_TOKENS)
          throw new IllegalArgumentException(
              "context " + c + " must exceed " + CACHED_TOKENS + " tokens");
      }
      contexts = List.copyOf(contexts);
      batches = List.copyOf(batches);
      uncachedBatches = List.copyOf(uncachedBatches);
    }

    /**
     * The defaults for a model of {@code parameters}: the tiny model's full grid, or, from {@link
     * #REAL_SIZE_PARAMETERS}, a grid that runs a 0.5B model in minutes within 24 GB: contexts 32
     * and 128, uncached decoding at batch 1 only, 100 calls, one timed step of 4 x 128 tokens
     * without a warm-up step (a step lasts many seconds, so what a first step adds is small), one
     * run each, and the full-parameter DPO step with activation checkpointing.
     */
    public static Settings forModel(long parameters) {
      return parameters < REAL_SIZE_PARAMETERS
          ? new Settings(
              List.of(32, 128, 256, 512),
              List.of(1, 16),
              List.of(1, 16),
              10_000,
              3,
              1,
              32,
              160,
              8,
              8,
              120,
              7,
              false,
              1)
          : new Settings(
              List.of(32, 128),
              List.of(1, 16),
              List.of(1),
              100,
              1,
              0,
              4,
              128,
              1,
              1,
              96,
              1,
              true,
              1);
    }

    public int sftPrompt() {
      return trainTokens * 3 / 10;
    }

    public int dpoPrefix() {
      return dpoSide() * 4 / 5;
    }

    public int scoreBatch() {
      return Math.min(16, trainBatch);
    }
  }

  /**
   * Decoding speed of one configuration: new tokens per second over all rows while the sequences
   * grow to {@code context} tokens, the prompt's own forward pass (prefill) excluded.
   */
  public record Throughput(int batch, int context, boolean cached, double tokensPerSecond) {}

  /** Peak RSS (VmHWM, kB) while one part ran, and how long it took. */
  public record Part(String name, long peakRssKb, double seconds) {}

  public record Result(
      List<Throughput> generation,
      double stepMillisAt32,
      double stepMillisAt512,
      List<Double> layerByLayerTokensPerSecond,
      List<Double> projectionMillis,
      double scoringTokensPerSecond,
      double sftStepsPerSecond,
      double sftTokensPerSecond,
      double dpoStepsPerSecond,
      double dpoTokensPerSecond,
      long peakRssKb,
      long rssLowestKb,
      long rssEndKb,
      int memoryCalls,
      int threads,
      List<Part> parts) {

    /**
     * Tokens/s a decoding step at {@code batch} rows could reach if it did nothing but its weight
     * products (batch 1: one pass over the weights, the memory-bandwidth limit); NaN when not
     * measured at that batch.
     */
    public double projectionLimit(List<Integer> batches, int batch) {
      int i = batches.indexOf(batch);
      return i < 0 ? Double.NaN : batch * 1000 / projectionMillis.get(i);
    }

    public double tokensPerSecond(int batch, int context, boolean cached) {
      return generation.stream()
          .filter(t -> t.batch() == batch && t.context() == context && t.cached() == cached)
          .mapToDouble(Throughput::tokensPerSecond)
          .findFirst()
          .orElse(Double.NaN);
    }

    /** How much slower a cached decoding step is at position 512 than at 32 (target <= 1.5). */
    public double latencyRatio() {
      return stepMillisAt512 / stepMillisAt32;
    }

    public double rssGrowth() {
      return (double) rssEndKb / rssLowestKb - 1;
    }
  }

  /** Hears each figure as soon as it is measured. */
  public interface Listener {
    /** {@code figure} is the part's result in words, e.g. "9.1 tokens/s". */
    void measured(Part part, String figure);
  }

  private static final int SCORE_PROMPT = 32, SCORE_COMPLETION = 96;
  private static final TokenDecoder NO_TEXT = ids -> "";

  /** Tokens generated per row when timing decoding: with the cache, and as full forward passes. */
  public static final int CACHED_TOKENS = 24, UNCACHED_TOKENS = 6;

  private final Path modelDir;
  private final Settings settings;
  private final Listener listener;

  /**
   * The adapters the LoRA training parts train: PEFT's usual r = 8, alpha = 16, every projection.
   */
  private static final LoraSettings BENCH_LORA = new LoraSettings(8, 16, 0, LoraAdapter.MODULES);

  private final List<Part> parts = new ArrayList<>();

  public ModelBenchmark(Path modelDir, Settings settings, Listener listener) {
    this.modelDir = modelDir;
    this.settings = settings;
    this.listener = listener;
  }

  /** Parameters of the checkpoint in {@code dir}, from its config. */
  public static long parameters(Path dir) throws IOException {
    return LlamaModel.expectedShapes(LlamaConfig.read(dir.resolve(Checkpoint.CONFIG)))
        .values()
        .stream()
        .mapToLong(shape -> Arrays.stream(shape).reduce(1, Math::multiplyExact))
        .sum();
  }

  public Result run() throws IOException {
    Settings s = settings;
    Random rng = new Random(s.seed());
    List<Throughput> generation = new ArrayList<>();
    double[] latency;
    List<Double> projections;
    List<Double> layerByLayer;
    double scoring;
    long[] rss;
    int vocab;
    try (NDManager root = NDManager.newBaseManager()) {
      LlamaModel model = measure("load", () -> Checkpoint.load(modelDir, root), m -> "");
      try (model) {
        vocab = model.config().vocabSize();
        for (int context : s.contexts()) {
          for (int batch : s.batches()) {
            List<int[]> cachedPrompts = randomRows(rng, vocab, batch, context - CACHED_TOKENS);
            List<int[]> uncachedPrompts = randomRows(rng, vocab, batch, context - UNCACHED_TOKENS);
            generation.add(
                measure(
                    "decoding batch " + batch + " cached, context " + context,
                    () ->
                        new Throughput(
                            batch,
                            context,
                            true,
                            best(() -> cachedTokensPerSecond(model, cachedPrompts))),
                    ModelBenchmark::tokensPerSecond));
            if (s.uncachedBatches().contains(batch)) {
              generation.add(
                  measure(
                      "decoding batch " + batch + " uncached, context " + context,
                      () ->
                          new Throughput(
                              batch,
                              context,
                              false,
                              best(() -> uncachedTokensPerSecond(model, uncachedPrompts))),
                      ModelBenchmark::tokensPerSecond));
            }
          }
        }
        int lastContext = s.contexts().get(s.contexts().size() - 1);
        layerByLayer =
            measure(
                "decoding batch "
                    + s.batches()
                    + " cached, context "
                    + lastContext
                    + ", engine calls layer by layer",
                () -> layerByLayerTokensPerSecond(model, rng, lastContext),
                t -> joined(t, "tokens/s"));
        projections =
            measure(
                "weight products alone at batch " + s.batches(),
                () -> s.batches().stream().map(b -> projectionMillis(model, b)).toList(),
                ms -> joined(ms, "ms"));
        latency =
            measure(
                "cached step at position 32 and 512",
                () -> stepLatencies(model, rng, vocab),
                l -> String.format(Locale.ROOT, "%.2f ms and %.2f ms", l[0], l[1]));
        List<int[]> scorePrompts = randomRows(rng, vocab, s.scoreBatch(), SCORE_PROMPT);
        List<int[]> scoreCompletions = randomRows(rng, vocab, s.scoreBatch(), SCORE_COMPLETION);
        CompletionScorer scorer = new CompletionScorer(model);
        scoring =
            measure(
                "scoring " + s.scoreBatch() + " x " + (SCORE_PROMPT + SCORE_COMPLETION) + " tokens",
                () ->
                    s.scoreBatch()
                        * (SCORE_PROMPT + SCORE_COMPLETION)
                        / seconds(() -> scorer.score(scorePrompts, scoreCompletions)),
                t -> String.format(Locale.ROOT, "%.0f tokens/s", t));
        rss =
            measure(
                "RSS over " + s.memoryCalls() + " generate calls",
                () -> rssOverCalls(model, rng, vocab),
                r ->
                    String.format(
                        Locale.ROOT, "lowest %d MB, end %d MB", r[0] / 1024, r[1] / 1024));
      }
      // The inference copy is closed first: training holds the weights, their gradients and AdamW's
      // two moments. LoRA, what a real-size run trains, goes before full fine-tuning, so that what
      // a full-parameter part leaves in the process (Java heap, engine caches) cannot count in it.
      List<PreferencePair> pairs = new ArrayList<>();
      for (int i = 0; i < s.dpoPairs(); i++) {
        pairs.add(
            new PreferencePair(
                randomIds(rng, vocab, s.dpoPrefix()),
                randomIds(rng, vocab, s.dpoSide() - s.dpoPrefix()),
                randomIds(rng, vocab, s.dpoSide() - s.dpoPrefix()),
                -50,
                -50));
      }
      String dpoStep =
          "DPO step, "
              + s.dpoPairs()
              + " pairs x 2 x "
              + s.dpoSide()
              + " tokens"
              + (s.dpoMicroPairs() < s.dpoPairs()
                  ? " as " + s.dpoPairs() / s.dpoMicroPairs() + " micro-batches"
                  : "");
      List<SftExample> sft = new ArrayList<>();
      for (int i = 0; i < s.trainBatch(); i++) {
        sft.add(
            new SftExample(
                randomIds(rng, vocab, s.sftPrompt()),
                randomIds(rng, vocab, s.trainTokens() - s.sftPrompt())));
      }
      String sftStep = "SFT step, batch " + s.trainBatch() + " x " + s.trainTokens() + " tokens";
      measure(
          "LoRA r=" + BENCH_LORA.r() + " " + sftStep,
          () -> stepsPerSecond(new SftObjective(), sft, s.trainBatch(), root, BENCH_LORA, false),
          ModelBenchmark::stepsPerSecond);
      DpoObjective dpo = new DpoObjective(new StepDpoLoss(0.1, 0));
      for (boolean checkpointing : new boolean[] {false, true}) {
        measure(
            "LoRA r=" + BENCH_LORA.r() + " " + dpoStep + checkpointingLabel(checkpointing),
            () -> stepsPerSecond(dpo, pairs, s.dpoMicroPairs(), root, BENCH_LORA, checkpointing),
            ModelBenchmark::stepsPerSecond);
      }
      double sftSteps =
          measure(
              sftStep,
              () -> stepsPerSecond(new SftObjective(), sft, s.trainBatch(), root, null, false),
              ModelBenchmark::stepsPerSecond);
      double dpoSteps =
          measure(
              dpoStep + checkpointingLabel(s.checkpointFullDpo()),
              () ->
                  stepsPerSecond(dpo, pairs, s.dpoMicroPairs(), root, null, s.checkpointFullDpo()),
              ModelBenchmark::stepsPerSecond);
      return new Result(
          generation,
          latency[0],
          latency[1],
          layerByLayer,
          projections,
          scoring,
          sftSteps,
          sftSteps * s.trainBatch() * s.trainTokens(),
          dpoSteps,
          dpoSteps * s.dpoPairs() * 2 * s.dpoSide(),
          parts.stream().mapToLong(Part::peakRssKb).max().orElse(-1),
          rss[0],
          rss[1],
          s.memoryCalls(),
          TorchThreads.get(),
          List.copyOf(parts));
    }
  }

  /**
   * A part of the benchmark whose peak RSS is its own: the kernel's high-water mark is reset before
   * it.
   */
  private <T> T measure(String name, IoSupplier<T> work, Function<T, String> figure)
      throws IOException {
    releaseFreedMemory();
    resetPeakRss();
    long start = System.nanoTime();
    T result = work.get();
    Part part = new Part(name, procStatusKb("VmHWM"), (System.nanoTime() - start) / 1e9);
    parts.add(part);
    listener.measured(part, figure.apply(result));
    return result;
  }

  /** glibc's C library, for malloc_trim. */
  private interface CLibrary extends Library {
    int malloc_trim(long pad);
  }

  /** glibc, loaded on first use; null where the C library is not glibc. */
  private static CLibrary libc;

  private static synchronized CLibrary libc() {
    if (libc == null) {
      try {
        libc = Native.load("c", CLibrary.class);
      } catch (UnsatisfiedLinkError | RuntimeException e) {
        return null; // not glibc: a part's peak may then include memory an earlier part freed
      }
    }
    return libc;
  }

  /**
   * Hands memory freed by earlier parts back to the system, so that a part's peak is its own:
   * loading leaves GB of direct buffers and file mappings to the collector, and glibc keeps what
   * the engine freed (a 20 GB training step leaves most of it in the process) until malloc_trim.
   */
  private static void releaseFreedMemory() {
    System.gc();
    CLibrary c = libc();
    if (c != null) c.malloc_trim(0);
  }

  @FunctionalInterface
  private interface IoSupplier<T> {
    T get() throws IOException;
  }

  private static String tokensPerSecond(Throughput t) {
    return String.format(Locale.ROOT, "%.1f tokens/s", t.tokensPerSecond());
  }

  /** e.g. "4.6, 46.4 tokens/s". */
  private static String joined(List<Double> figures, String unit) {
    return figures.stream()
            .map(f -> String.format(Locale.ROOT, "%.1f", f))
            .collect(Collectors.joining(", "))
        + " "
        + unit;
  }

  private static String checkpointingLabel(boolean checkpointing) {
    return checkpointing ? ", checkpointed" : "";
  }

  private static String stepsPerSecond(double steps) {
    return String.format(Locale.ROOT, "%.3f steps/s", steps);
  }

  /**
   * Resets VmHWM to the current RSS (Linux: "5" to /proc/self/clear_refs); a no-op where that is
   * not allowed.
   */
  private static void resetPeakRss() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
    } catch (IOException | RuntimeException e) {
      // Peak figures then cover everything since the start; the part's name still says what ran.
    }
  }

  /**
   * Cached decoding: the clock runs from the first generated token (after the prefill) to the last.
   */
  private static double cachedTokensPerSecond(LlamaModel model, List<int[]> prompts) {
    List<Long> times = new ArrayList<>();
    // A stop string makes the generator decode, and so read the clock, for every row at every step.
    TokenDecoder clock =
        ids -> {
          times.add(System.nanoTime());
          return "";
        };
    List<GenerationRequest> requests =
        prompts.stream()
            .map(
                p ->
                    new GenerationRequest(
                        p, CACHED_TOKENS, 0, FixedSampler.greedy(), List.of("\u0000"), Set.of()))
            .toList();
    new Generator(model, clock, null, prompts.size()).generate(requests);
    int rows = prompts.size();
    return rows * (CACHED_TOKENS - 1) / ((times.get(times.size() - 1) - times.get(rows - 1)) / 1e9);
  }

  /**
   * Cached decoding at each batch size and {@code context} with the model's forward passes run as
   * its engine calls layer by layer instead of one TorchScript call ({@link
   * LlamaModel#setScripted}): what the script saves.
   */
  private List<Double> layerByLayerTokensPerSecond(LlamaModel model, Random rng, int context) {
    int vocab = model.config().vocabSize();
    model.setScripted(false);
    try {
      List<Double> out = new ArrayList<>();
      for (int batch : settings.batches()) {
        List<int[]> prompts = randomRows(rng, vocab, batch, context - CACHED_TOKENS);
        out.add(best(() -> cachedTokensPerSecond(model, prompts)));
      }
      return out;
    } finally {
      model.setScripted(true);
    }
  }

  /**
   * Uncached decoding: each step is one full forward pass; the first (warm-up) step is not timed.
   */
  private static double uncachedTokensPerSecond(LlamaModel model, List<int[]> prompts) {
    long[] stepEnds = generateUncached(model, prompts, UNCACHED_TOKENS);
    return prompts.size()
        * (UNCACHED_TOKENS - 1)
        / ((stepEnds[UNCACHED_TOKENS - 1] - stepEnds[0]) / 1e9);
  }

  /**
   * Generation as a loop of full forward passes over everything so far, which is what the KV cache
   * saves. Returns when each step ended (System.nanoTime).
   */
  static long[] generateUncached(LlamaModel model, List<int[]> prompts, int newTokens) {
    List<int[]> rows = new ArrayList<>(prompts);
    long[] stepEnds = new long[newTokens];
    for (int step = 0; step < newTokens; step++) {
      try (NDManager scope = model.manager().newSubManager()) {
        LeftPaddedBatch batch = LeftPaddedBatch.of(rows);
        NDArray hidden = model.hidden(batch.toNDArray(scope), batch.padding(), null, null);
        float[] logits = model.logits(hidden.get(new NDIndex(":, -1, :"))).toFloatArray();
        int vocab = logits.length / rows.size();
        for (int r = 0; r < rows.size(); r++) {
          float[] rowLogits = new float[vocab];
          System.arraycopy(logits, r * vocab, rowLogits, 0, vocab);
          int[] longer = Arrays.copyOf(rows.get(r), rows.get(r).length + 1);
          longer[longer.length - 1] = Logits.argmax(rowLogits);
          rows.set(r, longer);
        }
      }
      stepEnds[step] = System.nanoTime();
    }
    return stepEnds;
  }

  /**
   * The time (ms) of one decoding step's weight products alone at {@code batch} rows: the matrices
   * of {@link LlamaModel#decodingProducts} over random inputs, as a step runs them (the best of
   * three runs). At batch 1 this is one pass over all the weights, so it bounds decoding by the
   * memory bandwidth; at larger batches, by the engine's matrix-product speed.
   */
  private static double projectionMillis(LlamaModel model, int batch) {
    List<NDArray> weights = model.decodingProducts();
    double best = Double.MAX_VALUE;
    try (NDManager scope = model.manager().newSubManager()) {
      Map<Long, NDArray> inputs = new HashMap<>(); // one random input per input width
      for (NDArray w : weights) {
        inputs.computeIfAbsent(
            w.getShape().get(1),
            width -> scope.randomNormal(0, 1, new Shape(batch, 1, width), w.getDataType()));
      }
      for (int run = 0; run < 3; run++) {
        long start = System.nanoTime();
        for (NDArray w : weights)
          Linear.linear(inputs.get(w.getShape().get(1)), w).singletonOrThrow().close();
        best = Math.min(best, (System.nanoTime() - start) / 1e6);
      }
    }
    return best;
  }

  /**
   * Cached batch-1 step time (ms) around positions 32 and 512: 24 tokens generated after a prompt
   * of 20 and of 500 random tokens, the median of the 16 steps from the fifth on, the lowest of
   * five runs (a busy neighbour shows as spikes; one run at real size).
   */
  private double[] stepLatencies(LlamaModel model, Random rng, int vocab) {
    List<Long> times = new ArrayList<>();
    TokenDecoder clock =
        ids -> {
          times.add(System.nanoTime());
          return "";
        };
    Generator generator = new Generator(model, clock, null, 1);
    int[][] prompts = {randomIds(rng, vocab, 20), randomIds(rng, vocab, 500)};
    double[] best = {Double.MAX_VALUE, Double.MAX_VALUE};
    for (int run = 0; run < Math.max(1, settings.repeats() - 2); run++) {
      for (int k = 0; k < prompts.length; k++) {
        times.clear();
        // A stop string makes the generator decode (and so read the clock) after every token.
        generator.generate(
            List.of(
                new GenerationRequest(
                    prompts[k],
                    CACHED_TOKENS,
                    0,
                    FixedSampler.greedy(),
                    List.of("\u0000"),
                    Set.of())));
        double[] steps = new double[16];
        for (int i = 0; i < steps.length; i++)
          steps[i] = (times.get(i + 5) - times.get(i + 4)) / 1e6;
        Arrays.sort(steps);
        best[k] = Math.min(best[k], (steps[7] + steps[8]) / 2);
      }
    }
    return best;
  }

  /**
   * Training steps/s of full fine-tuning ({@code lora} null) or of LoRA adapters, timed from the
   * first step after the warm-up ones; a step accumulates the gradients of all {@code examples} in
   * micro-batches of {@code microBatch}.
   */
  private <E> double stepsPerSecond(
      Objective<E> objective,
      List<E> examples,
      int microBatch,
      NDManager root,
      LoraSettings lora,
      boolean activationCheckpointing)
      throws IOException {
    try (LlamaModel fresh = Checkpoint.load(modelDir, root)) {
      int warmup = settings.warmupSteps(), total = warmup + settings.trainSteps();
      long[] timed = new long[2]; // the first timed step's start, the last step's end
      TrainSettings train =
          new TrainSettings(
              microBatch,
              examples.size() / microBatch,
              total,
              0,
              1e-5,
              0,
              0.1,
              1.0,
              0,
              settings.seed(),
              1,
              0,
              false,
              lora,
              activationCheckpointing);
      LlamaTrainable trainable = new LlamaTrainable(fresh, null, train, modelDir.toString());
      new Trainer<>(
              train,
              objective,
              trainable,
              trainable,
              new Trainer.Listener() {
                @Override
                public void beforeStep(long step) {
                  if (step == warmup) timed[0] = System.nanoTime();
                }

                @Override
                public void afterStep(long done, long steps, Map<String, Double> metrics) {
                  timed[1] = System.nanoTime();
                }
              })
          .train(examples, null);
      return settings.trainSteps() / ((timed[1] - timed[0]) / 1e9);
    }
  }

  /**
   * RSS (kB) over {@code memoryCalls} small generate calls: the lowest of ten samples (each after a
   * full GC, one per tenth of the calls) and the last. The JVM may hand memory back early on (e.g.
   * after a tokenizer was trained in this process), so growth is measured from the lowest point.
   */
  private long[] rssOverCalls(LlamaModel model, Random rng, int vocab) {
    Generator generator = new Generator(model, NO_TEXT, null, 1);
    List<GenerationRequest> request =
        List.of(GenerationRequest.greedy(randomIds(rng, vocab, 4), 4, Set.of()));
    long lowest = Long.MAX_VALUE, last = 0;
    for (int tenth = 1; tenth <= 10; tenth++) {
      for (long i = settings.memoryCalls() * (tenth - 1L) / 10;
          i < settings.memoryCalls() * (long) tenth / 10;
          i++) {
        generator.generate(request);
      }
      System.gc();
      last = procStatusKb("VmRSS");
      lowest = Math.min(lowest, last);
    }
    return new long[] {lowest, last};
  }

  /** A field of /proc/self/status in kB (VmRSS: now, VmHWM: peak); -1 where there is no /proc. */
  static long procStatusKb(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
      return -1;
    } catch (IOException e) {
      return -1;
    }
  }

  /**
   * The best of {@code repeats} runs (seven for the tiny model): on a shared machine, slower runs
   * measure the neighbours (a run of batch 1 lasts well under a second, and one slow stretch halves
   * its figure).
   */
  private double best(DoubleSupplier tokensPerSecond) {
    double best = 0;
    for (int i = 0; i < settings.repeats(); i++)
      best = Math.max(best, tokensPerSecond.getAsDouble());
    return best;
  }

  /** Wall time of one run after one warm-up run, in seconds. */
  private static double seconds(Runnable work) {
    work.run();
    long start = System.nanoTime();
    work.run();
    return (System.nanoTime() - start) / 1e9;
  }

  private static List<int[]> randomRows(Random rng, int vocab, int rows, int length) {
    List<int[]> out = new ArrayList<>();
    for (int i = 0; i < rows; i++) out.add(randomIds(rng, vocab, length));
    return out;
  }

  private static int[] randomIds(Random rng, int vocab, int length) {
    return rng.ints(length, 0, vocab).toArray();
  }
}
