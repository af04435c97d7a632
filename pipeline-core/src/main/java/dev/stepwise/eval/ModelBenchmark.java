package dev.stepwise.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.stepwise.generate.GenerationRequest;
import dev.stepwise.generate.Generator;
import dev.stepwise.generate.TokenDecoder;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.CompletionScorer;
import dev.stepwise.model.LeftPaddedBatch;
import dev.stepwise.model.LlamaModel;
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
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Speed and memory of a checkpoint on this machine: generation with and without the KV cache,
 * scoring, SFT and DPO steps, peak RSS and RSS growth over many small generate calls. Inputs
 * are seeded random token ids and decoding is greedy with no EOS, so every row generates
 * exactly its token budget; text is never decoded (this measures the model, not the tokenizer).
 */
public final class ModelBenchmark {

  /**
   * @param contexts    sequence lengths at which decoding speed is measured
   * @param memoryCalls small generate calls in the RSS-growth run
   * @param trainSteps  timed optimizer steps for SFT and for DPO (one more is run first as warm-up)
   */
  public record Settings(List<Integer> contexts, List<Integer> batches, int memoryCalls, int trainSteps, long seed) {
    public Settings {
      if (memoryCalls < 1 || trainSteps < 1) throw new IllegalArgumentException("memoryCalls and trainSteps must be >= 1");
      for (int c : contexts) {
        if (c <= CACHED_TOKENS) throw new IllegalArgumentException("context " + c + " must exceed " + CACHED_TOKENS + " tokens");
      }
      contexts = List.copyOf(contexts);
      batches = List.copyOf(batches);
    }

    public static Settings defaults() {
      return new Settings(List.of(32, 128, 256, 512), List.of(1, 16), 10_000, 3, 1);
    }
  }

  /**
   * Decoding speed of one configuration: new tokens per second over all rows while the sequences
   * grow to {@code context} tokens, the prompt's own forward pass (prefill) excluded.
   */
  public record Throughput(int batch, int context, boolean cached, double tokensPerSecond) {}

  public record Result(List<Throughput> generation, double stepMillisAt32, double stepMillisAt512,
      double scoringTokensPerSecond, double sftStepsPerSecond, double sftTokensPerSecond,
      double dpoStepsPerSecond, double dpoTokensPerSecond, long peakRssKb, long rssLowestKb, long rssEndKb,
      int memoryCalls, int threads) {

    public double tokensPerSecond(int batch, int context, boolean cached) {
      return generation.stream().filter(t -> t.batch() == batch && t.context() == context && t.cached() == cached)
          .mapToDouble(Throughput::tokensPerSecond).findFirst().orElse(Double.NaN);
    }

    /** How much slower a cached decoding step is at position 512 than at 32 (target <= 1.5). */
    public double latencyRatio() {
      return stepMillisAt512 / stepMillisAt32;
    }

    public double rssGrowth() {
      return (double) rssEndKb / rssLowestKb - 1;
    }
  }

  private static final int SCORE_BATCH = 16, SCORE_PROMPT = 32, SCORE_COMPLETION = 96;
  private static final int SFT_BATCH = 32, SFT_PROMPT = 48, SFT_COMPLETION = 112;
  private static final int DPO_BATCH = 8, DPO_PREFIX = 96, DPO_STEP = 24;
  private static final TokenDecoder NO_TEXT = ids -> "";
  /** Tokens generated per row when timing decoding: with the cache, and as full forward passes. */
  public static final int CACHED_TOKENS = 24, UNCACHED_TOKENS = 6;

  private final Path modelDir;
  private final Settings settings;

  public ModelBenchmark(Path modelDir, Settings settings) {
    this.modelDir = modelDir;
    this.settings = settings;
  }

  public Result run() throws IOException {
    try (NDManager root = NDManager.newBaseManager(); LlamaModel model = Checkpoint.load(modelDir, root)) {
      Random rng = new Random(settings.seed());
      int vocab = model.config().vocabSize();
      long[] rss = rssOverCalls(model, rng, vocab);
      List<Throughput> generation = new ArrayList<>();
      for (int context : settings.contexts()) {
        for (int batch : settings.batches()) {
          List<int[]> cachedPrompts = randomRows(rng, vocab, batch, context - CACHED_TOKENS);
          List<int[]> uncachedPrompts = randomRows(rng, vocab, batch, context - UNCACHED_TOKENS);
          generation.add(new Throughput(batch, context, true, best(() -> cachedTokensPerSecond(model, cachedPrompts))));
          generation.add(new Throughput(batch, context, false, best(() -> uncachedTokensPerSecond(model, uncachedPrompts))));
        }
      }
      double[] latency = stepLatencies(model);
      List<int[]> scorePrompts = randomRows(rng, vocab, SCORE_BATCH, SCORE_PROMPT);
      List<int[]> scoreCompletions = randomRows(rng, vocab, SCORE_BATCH, SCORE_COMPLETION);
      CompletionScorer scorer = new CompletionScorer(model);
      double scoring = SCORE_BATCH * (SCORE_PROMPT + SCORE_COMPLETION) / seconds(() -> scorer.score(scorePrompts, scoreCompletions));

      List<SftExample> sft = new ArrayList<>();
      for (int i = 0; i < SFT_BATCH; i++) sft.add(new SftExample(randomIds(rng, vocab, SFT_PROMPT), randomIds(rng, vocab, SFT_COMPLETION)));
      double sftSteps = stepsPerSecond(new SftObjective(), sft, SFT_BATCH, root);
      List<PreferencePair> pairs = new ArrayList<>();
      for (int i = 0; i < DPO_BATCH; i++) {
        pairs.add(new PreferencePair(randomIds(rng, vocab, DPO_PREFIX), randomIds(rng, vocab, DPO_STEP), randomIds(rng, vocab, DPO_STEP), -50, -50));
      }
      double dpoSteps = stepsPerSecond(new DpoObjective(new StepDpoLoss(0.1, 0)), pairs, DPO_BATCH, root);
      return new Result(generation, latency[0], latency[1], scoring,
          sftSteps, sftSteps * SFT_BATCH * (SFT_PROMPT + SFT_COMPLETION),
          dpoSteps, dpoSteps * DPO_BATCH * 2 * (DPO_PREFIX + DPO_STEP),
          procStatusKb("VmHWM"), rss[0], rss[1], settings.memoryCalls(), TorchThreads.get());
    }
  }

  /** Cached decoding: the clock runs from the first generated token (after the prefill) to the last. */
  private static double cachedTokensPerSecond(LlamaModel model, List<int[]> prompts) {
    List<Long> times = new ArrayList<>();
    // A stop string makes the generator decode, and so read the clock, for every row at every step.
    TokenDecoder clock = ids -> {
      times.add(System.nanoTime());
      return "";
    };
    List<GenerationRequest> requests = prompts.stream()
        .map(p -> new GenerationRequest(p, CACHED_TOKENS, 0, FixedSampler.greedy(), List.of("\u0000"), Set.of())).toList();
    new Generator(model, clock, null, prompts.size()).generate(requests);
    int rows = prompts.size();
    return rows * (CACHED_TOKENS - 1) / ((times.get(times.size() - 1) - times.get(rows - 1)) / 1e9);
  }

  /** Uncached decoding: each step is one full forward pass; the first (warm-up) step is not timed. */
  private static double uncachedTokensPerSecond(LlamaModel model, List<int[]> prompts) {
    long[] stepEnds = generateUncached(model, prompts, UNCACHED_TOKENS);
    return prompts.size() * (UNCACHED_TOKENS - 1) / ((stepEnds[UNCACHED_TOKENS - 1] - stepEnds[0]) / 1e9);
  }

  /**
   * Generation as a loop of full forward passes over everything so far, which is what the KV
   * cache saves. Returns when each step ended (System.nanoTime).
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
          int[] longer = java.util.Arrays.copyOf(rows.get(r), rows.get(r).length + 1);
          longer[longer.length - 1] = Logits.argmax(rowLogits);
          rows.set(r, longer);
        }
      }
      stepEnds[step] = System.nanoTime();
    }
    return stepEnds;
  }

  /**
   * Cached step time (ms) around positions 32 and 510 of a 520-token batch-1 generation: the
   * median step of each 16-step window, the lowest of five runs (a busy neighbour shows as spikes).
   */
  private static double[] stepLatencies(LlamaModel model) {
    List<Long> times = new ArrayList<>();
    TokenDecoder clock = ids -> {
      times.add(System.nanoTime());
      return "";
    };
    // A stop string makes the generator decode (and so read the clock) after every token.
    GenerationRequest request = new GenerationRequest(new int[] {1}, 520, 0, FixedSampler.greedy(), List.of("\u0000"), Set.of());
    Generator generator = new Generator(model, clock, null, 1);
    double[] best = {Double.MAX_VALUE, Double.MAX_VALUE};
    for (int run = 0; run < 5; run++) {
      times.clear();
      generator.generate(List.of(request));
      // Token i (0-based) of the completion sits at position i + 1.
      best[0] = Math.min(best[0], medianStepMillis(times, 32));
      best[1] = Math.min(best[1], medianStepMillis(times, 510));
    }
    return best;
  }

  private static double medianStepMillis(List<Long> times, int position) {
    double[] steps = new double[16];
    for (int k = 0; k < steps.length; k++) {
      int i = position - 8 + k;
      steps[k] = (times.get(i) - times.get(i - 1)) / 1e6;
    }
    java.util.Arrays.sort(steps);
    return (steps[7] + steps[8]) / 2;
  }

  private <E> double stepsPerSecond(Objective<E> objective, List<E> examples, int batch, NDManager root) throws IOException {
    Path out = Files.createTempDirectory("stepwise-bench-train");
    try (LlamaModel fresh = Checkpoint.load(modelDir, root)) {
      LlamaTrainable trainable = new LlamaTrainable(fresh, null);
      long[] stepEnds = new long[settings.trainSteps() + 2];
      TrainSettings train = new TrainSettings(batch, 1, settings.trainSteps() + 1, 0, 1e-5, 0, 0.1, 1.0, 0, settings.seed(), 1, 0, false);
      new Trainer<>(train, objective, trainable, trainable, new Trainer.Listener() {
        @Override
        public void beforeStep(long step) {
          if (step == 1) stepEnds[0] = System.nanoTime();
        }

        @Override
        public void afterStep(long step, long total, Map<String, Double> metrics) {
          stepEnds[(int) step] = System.nanoTime();
        }
      }).train(examples, out);
      return settings.trainSteps() / ((stepEnds[settings.trainSteps() + 1] - stepEnds[0]) / 1e9);
    } finally {
      deleteRecursively(out);
    }
  }

  /**
   * RSS (kB) over {@code memoryCalls} small generate calls: the lowest of ten samples (each after a
   * full GC, one per tenth of the calls) and the last. The JVM may hand memory back early on (e.g.
   * after a tokenizer was trained in this process), so growth is measured from the lowest point.
   */
  private long[] rssOverCalls(LlamaModel model, Random rng, int vocab) {
    Generator generator = new Generator(model, NO_TEXT, null, 1);
    List<GenerationRequest> request = List.of(GenerationRequest.greedy(randomIds(rng, vocab, 4), 4, Set.of()));
    long lowest = Long.MAX_VALUE, last = 0;
    for (int tenth = 1; tenth <= 10; tenth++) {
      for (long i = settings.memoryCalls() * (tenth - 1L) / 10; i < settings.memoryCalls() * (long) tenth / 10; i++) {
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
   * The best of seven runs: on a shared machine, slower runs measure the neighbours (a run of
   * batch 1 lasts well under a second, and one slow stretch halves its figure).
   */
  private static double best(java.util.function.DoubleSupplier tokensPerSecond) {
    double best = 0;
    for (int i = 0; i < 7; i++) best = Math.max(best, tokensPerSecond.getAsDouble());
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

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.delete(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
