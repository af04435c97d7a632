package dev.stepwise.spark.cli;

import com.google.gson.GsonBuilder;
import dev.stepwise.eval.HeldOutEval;
import dev.stepwise.eval.ModelBenchmark;
import dev.stepwise.eval.SyntheticEval;
import dev.stepwise.judge.JudgeMode;
import dev.stepwise.spark.config.ModelConfig;
import dev.stepwise.spark.config.PromptsConfig;
import dev.stepwise.spark.config.RunConfig;
import dev.stepwise.spark.config.SftConfig;
import dev.stepwise.spark.config.TasksConfig;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskExample;
import dev.stepwise.tasks.TaskGenerator;
import dev.stepwise.tasks.TinyTokenizer;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.train.TorchThreads;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * `stepwise bench model`: speed and memory of a checkpoint on this machine, against the targets;
 * `bench pipeline`: the search stage's throughput and Spark overhead; `bench judge`: step-judge
 * accuracy on synthetic and on the policy's own pairs; `bench steps` (BenchStepsCommand); `bench
 * rounds` (BenchRoundsCommand).
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks.",
    subcommands = {BenchRoundsCommand.class, BenchStepsCommand.class})
public final class BenchCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "missing subcommand: model, pipeline, judge, steps or rounds");
  }

  @Command(
      name = "pipeline",
      mixinStandardHelpOptions = true,
      description = {
        "The search stage on the embedded Spark at local[1] and local[2], each with shared-prefix decoding",
        "(stepwise.search.share_prefix) off and on, then the PATS stage (method pats on about as many",
        "held-out problems, PRM stepwise.pats.prm): prompts or problems/s, sampled tokens/s, judge",
        "comparisons or PRM scorings/s, and Spark's overhead: stage wall time over the in-task model time",
        "per task slot (target <= 1.15 for the search, 1.3 for PATS), then comparisons/s with sharing on",
        "over off (target >= 2x). Starts from a ready-made M1 (default: the demo's), after an unmeasured",
        "warm-up search of up to 8 prompts."
      })
  int pipeline(
      @Option(
              names = "--model",
              paramLabel = "DIR",
              description = "M1 to search with (default: stepwise.demo.m1).")
          String model,
      @Option(
              names = "--prompts",
              defaultValue = "16",
              description = "Prompts searched (default ${DEFAULT-VALUE}).")
          int prompts,
      @Option(
              names = "--masters",
              split = ",",
              defaultValue = "local[1],local[2]",
              description = "Spark masters to compare (default ${DEFAULT-VALUE}).")
          List<String> masters,
      @Mixin CommonOptions common)
      throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    String m1 = model != null ? model : demoM1(common, "--model");
    out.println("bench pipeline: search of " + prompts + " prompts, then PATS, with " + m1);
    String row = "  %-6s %-10s %-13s %10s %12s %15s %14s%n";
    out.printf(
        row, "stage", "master", "share_prefix", "items/s", "tokens/s", "judged/s", "wall/model");
    // The JVM's first search pays for class loading and JIT compilation: it would count against
    // whichever run comes first, so a small search runs first, unmeasured.
    int warmUp = Math.min(prompts, 8);
    PipelineBenchmark.run(common, masters.get(0), m1, warmUp, true, false);
    out.printf("  (after an unmeasured warm-up search of %d prompts)%n", warmUp);
    out.flush();
    for (String master : masters) {
      double[] comparisons = new double[2];
      for (boolean share : List.of(false, true)) {
        PipelineBenchmark.Results r =
            PipelineBenchmark.run(common, master, m1, prompts, share, share);
        comparisons[share ? 1 : 0] = r.search().comparisons() / r.search().wallSeconds();
        printRow(out, "search", master, share ? "on" : "off", r.search(), 1.15);
        if (r.pats() != null) printRow(out, "pats", master, "", r.pats(), 1.3);
      }
      double speedup = comparisons[1] / comparisons[0];
      out.printf(
          Locale.ROOT,
          "  %-10s comparisons/s with shared prefixes: %.2fx (target >= 2x) %s%n",
          master,
          speedup,
          verdict(speedup >= 2));
      out.flush();
    }
    out.println(
        "  items: prompts (search) or problems (PATS, method pats, stepwise.pats.prm); judged:"
            + " judge comparisons or PRM scorings");
    return 0;
  }

  @Command(
      name = "judge",
      mixinStandardHelpOptions = true,
      description = {
        "Step-judge accuracy on two kinds of held-out pairs (eft_test problems, one language each):",
        "synthetic corruptions, as `sft` reports, and the policy's own candidate steps (its most frequent wrong",
        "step against a right one, sampled as stepwise.sft.policy_eft says), the kind the search must tell apart,",
        "in both judge modes (stepwise.judge.mode): generated check and verdict, and forced choice between",
        "[[A]] and [[B]] after the prompt, each with its time (both pair sets) and pairs judged per second."
      })
  int judge(
      @Option(
              names = "--policy",
              paramLabel = "DIR",
              description =
                  "Model whose candidate steps make the pairs (default: stepwise.demo.m1).")
          String policy,
      @Option(
              names = "--judges",
              paramLabel = "DIR",
              split = ",",
              description = "Models to evaluate as judges (default: the policy).")
          List<String> judges,
      @Option(
              names = "--problems",
              defaultValue = "400",
              description = "Held-out problems (default ${DEFAULT-VALUE}).")
          int problems,
      @Mixin CommonOptions common)
      throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    var injector = common.injector();
    SftConfig config = injector.getInstance(SftConfig.class);
    TaskGenerator tasks = injector.getInstance(TasksConfig.class).generator();
    Path policyDir = Path.of(policy != null ? policy : demoM1(common, "--policy"));
    List<TaskExample>
        synthetic = tasks.eftOneLanguageEach(Split.EFT_TEST, 0, problems, config.languages()),
        own;
    ModelConfig modelConfig = injector.getInstance(ModelConfig.class);
    try (LoadedModel loaded = LoadedModel.open(policyDir, modelConfig)) {
      own =
          config
              .recipe()
              .policyEft()
              .miner(
                  loaded.generator(64),
                  new ChatFormat(loaded.tokenizer()),
                  injector.getInstance(PromptsConfig.class).templates(),
                  tasks,
                  injector.getInstance(RunConfig.class).seed())
              .examples(Split.EFT_TEST, 0, problems, config.languages());
    }
    out.printf(
        "bench judge: %d synthetic pairs, %d pairs of %s's own candidate steps (from %d problems)%n",
        synthetic.size(), own.size(), policyDir, problems);
    out.printf(
        "  %-40s %-14s %10s %10s %9s %10s%n",
        "judge", "mode", "synthetic", "own steps", "seconds", "pairs/s");
    for (String judge : judges != null ? judges : List.of(policyDir.toString())) {
      try (LoadedModel loaded = LoadedModel.open(Path.of(judge), modelConfig)) {
        HeldOutEval eval = loaded.heldOutEval(config.evalMaxNewTokens());
        for (JudgeMode mode : JudgeMode.values()) {
          long started = System.nanoTime();
          double onSynthetic = SyntheticEval.judgeAccuracy(eval, synthetic, mode).accuracy();
          double onOwn = SyntheticEval.judgeAccuracy(eval, own, mode).accuracy();
          double seconds = (System.nanoTime() - started) / 1e9;
          out.printf(
              Locale.ROOT,
              "  %-40s %-14s %9.1f%% %9.1f%% %9.1f %10.1f%n",
              judge,
              mode.label(),
              100 * onSynthetic,
              100 * onOwn,
              seconds,
              (synthetic.size() + own.size()) / seconds);
          out.flush();
        }
      }
    }
    return 0;
  }

  @Command(
      name = "model",
      mixinStandardHelpOptions = true,
      description = {
        "Speed and memory of a model on this machine, against the project's targets, each figure printed as it is measured.",
        "Generation tokens/s (batch 1 and 16, KV cache on and off, contexts 32-512), cached step latency at",
        "position 32 vs 512, scoring tokens/s, SFT and DPO steps/s, peak RSS per part and RSS growth over many small generate calls.",
        "From "
            + ModelBenchmark.REAL_SIZE_PARAMETERS / 1_000_000
            + "M parameters the defaults shrink so a 0.5B model runs in minutes within 24 GB."
      })
  int model(
      @Option(
              names = "--model",
              paramLabel = "DIR",
              description = "HF model directory (default: a fresh tiny init in a temp dir).")
          Path model,
      @Option(
              names = "--contexts",
              split = ",",
              description =
                  "Sequence lengths at which decoding is timed (default 32,128,256,512; real size 32,128).")
          List<Integer> contexts,
      @Option(
              names = "--calls",
              description =
                  "Small generate calls in the RSS-growth run (default 10000; real size 100).")
          Integer calls,
      @Option(
              names = "--train-steps",
              description =
                  "Timed SFT and DPO steps (default 3 after one warm-up step; real size 1, no warm-up).")
          Integer trainSteps,
      @Option(names = "--train-batch", description = "SFT rows per step (default 32; real size 4).")
          Integer trainBatch,
      @Option(
              names = "--train-tokens",
              description = "Tokens per SFT row (default 160; real size 128).")
          Integer trainTokens,
      @Option(
              names = "--dpo-pairs",
              description =
                  "Preference pairs per DPO step, full and LoRA (default 8; real size 1).")
          Integer dpoPairs,
      @Option(
              names = "--dpo-micro-pairs",
              description =
                  "Pairs per forward and backward pass of a DPO step, which accumulates the gradients of --dpo-pairs / N passes (default: all in one).")
          Integer dpoMicroPairs,
      @Option(
              names = "--dpo-tokens",
              description = "Tokens per DPO side (default 120; real size 96).")
          Integer dpoTokens,
      @Option(
              names = "--repeats",
              description =
                  "Decoding figures are the best of this many runs (default 7; real size 1).")
          Integer repeats,
      @Option(
              names = "--threads",
              description =
                  "Torch intra-op threads for the whole run (default: as started, see STEPWISE_THREADS).")
          Integer threads,
      @Option(
              names = "--json",
              paramLabel = "FILE",
              description = "Also write the results as JSON.")
          Path json)
      throws Exception {
    Path dir = model != null ? model : Files.createTempDirectory("stepwise-bench-model");
    if (model == null) {
      ModelInitCommand.writeTiny(dir, 1, TinyTokenizer.DEFAULT_VOCAB_SIZE);
    } else if (!Files.isRegularFile(dir.resolve("config.json"))) {
      throw new StepwiseException(
          "--model " + dir + ": no config.json; expected an HF model directory");
    }
    if (threads != null) TorchThreads.set(threads);
    long parameters = LoadedModel.userErrors(() -> ModelBenchmark.parameters(dir));
    ModelBenchmark.Settings d = ModelBenchmark.Settings.forModel(parameters);
    ModelBenchmark.Settings settings =
        LoadedModel.userErrors(
            () ->
                new ModelBenchmark.Settings(
                    or(contexts, d.contexts()),
                    d.batches(),
                    d.uncachedBatches(),
                    or(calls, d.memoryCalls()),
                    or(trainSteps, d.trainSteps()),
                    d.warmupSteps(),
                    or(trainBatch, d.trainBatch()),
                    or(trainTokens, d.trainTokens()),
                    or(dpoPairs, d.dpoPairs()),
                    or(dpoMicroPairs, or(dpoPairs, d.dpoPairs())),
                    or(dpoTokens, d.dpoSide()),
                    or(repeats, d.repeats()),
                    d.checkpointFullDpo(),
                    d.seed()));
    PrintWriter w = spec.commandLine().getOut();
    w.printf(
        "bench model: %s, %,d parameters, %d torch thread(s)%n",
        dir, parameters, TorchThreads.get());
    w.flush();
    ModelBenchmark.Result r =
        LoadedModel.userErrors(
            () ->
                new ModelBenchmark(
                        dir,
                        settings,
                        (part, figure) -> {
                          w.printf(
                              Locale.ROOT,
                              "  %-58s %-20s %6.1f s, peak RSS %,6d MB%n",
                              part.name(),
                              figure,
                              part.seconds(),
                              part.peakRssKb() / 1024);
                          w.flush();
                        })
                    .run());
    print(w, r, settings);
    if (json != null) {
      Map<String, Object> all = new LinkedHashMap<>();
      all.put("model", dir.toString());
      all.put("parameters", parameters);
      all.put("result", r);
      all.put("latency_ratio_512_vs_32", r.latencyRatio());
      all.put("cached_speedup", speedup(r, settings));
      all.put("cached_speedup_context", speedupContext(settings));
      all.put("batch16_vs_batch1", batchRatio(r));
      all.put("rss_growth", r.rssGrowth());
      Files.writeString(
          json,
          new GsonBuilder()
                  .setPrettyPrinting()
                  .serializeSpecialFloatingPointValues()
                  .create()
                  .toJson(all)
              + "\n",
          StandardCharsets.UTF_8);
    }
    return 0;
  }

  private static <T> T or(T given, T fallback) {
    return given != null ? given : fallback;
  }

  /**
   * stepwise.demo.m1, found in the project directory; the error names the flag that overrides it.
   */
  private static String demoM1(CommonOptions common, String flag) {
    return DemoCommand.projectDir(
            common.config().raw().getString("stepwise.demo.m1"), "the demo's M1", flag)
        .getPath();
  }

  /**
   * Cached over uncached batch-1 decoding at context 256, or the longest context measured when 256
   * was not.
   */
  private static double speedup(ModelBenchmark.Result r, ModelBenchmark.Settings s) {
    int c = speedupContext(s);
    return r.tokensPerSecond(1, c, true) / r.tokensPerSecond(1, c, false);
  }

  private static int speedupContext(ModelBenchmark.Settings s) {
    return s.contexts().contains(256)
        ? 256
        : s.contexts().stream().mapToInt(Integer::intValue).max().orElse(256);
  }

  private static double batchRatio(ModelBenchmark.Result r) {
    return r.tokensPerSecond(16, 128, true) / r.tokensPerSecond(1, 128, true);
  }

  /** The summary once every part ran: the decoding table and the figures against their targets. */
  private static void print(PrintWriter w, ModelBenchmark.Result r, ModelBenchmark.Settings s) {
    w.printf("summary:%n  %-28s", "decoding tokens/s at");
    for (int c : s.contexts()) w.printf("%10s", "ctx " + c);
    w.println();
    for (int batch : s.batches()) {
      for (boolean cached : List.of(true, false)) {
        if (!cached && !s.uncachedBatches().contains(batch)) continue;
        w.printf("  %-28s", "batch " + batch + (cached ? " cached" : " uncached"));
        for (int c : s.contexts())
          w.printf(Locale.ROOT, "%10.1f", r.tokensPerSecond(batch, c, cached));
        w.println();
      }
    }
    int context = s.contexts().get(s.contexts().size() - 1);
    for (int i = 0; i < s.batches().size(); i++) {
      int batch = s.batches().get(i);
      double oneCall = r.tokensPerSecond(batch, context, true);
      double layerByLayer = r.layerByLayerTokensPerSecond().get(i);
      w.printf(
          Locale.ROOT,
          "  %-44s %8.1f tokens/s; one TorchScript call per forward: %.1f (%.2fx)%n",
          "batch " + batch + ": engine calls layer by layer",
          layerByLayer,
          oneCall,
          oneCall / layerByLayer);
    }
    for (int batch : s.batches()) {
      double limit = r.projectionLimit(s.batches(), batch);
      w.printf(
          Locale.ROOT,
          "  %-44s %8.1f tokens/s; cached decoding at ctx %d reaches %.0f%% of it%n",
          "batch " + batch + ": weight products alone allow",
          limit,
          context,
          100 * r.tokensPerSecond(batch, context, true) / limit);
    }
    w.printf(
        "  %-44s %8.2f ms / %.2f ms = %.2fx (target <= 1.5x) %s%n",
        "cached step at position 512 vs 32",
        r.stepMillisAt512(),
        r.stepMillisAt32(),
        r.latencyRatio(),
        verdict(r.latencyRatio() <= 1.5));
    w.printf(
        "  %-44s %8.1fx (target >= 5x) %s%n",
        "cached vs uncached at context " + speedupContext(s) + ", batch 1",
        speedup(r, s),
        verdict(speedup(r, s) >= 5));
    w.printf(
        "  %-44s %8.1fx (target >= 8x) %s%n",
        "batch 16 vs batch 1 tokens/s, context 128", batchRatio(r), verdict(batchRatio(r) >= 8));
    w.printf(
        "  %-44s %8.0f%n",
        "scoring tokens/s (" + s.scoreBatch() + " x 128 tokens)", r.scoringTokensPerSecond());
    w.printf(
        "  %-44s %8.2f steps/s %8.0f tokens/s%n",
        "SFT (batch " + s.trainBatch() + " x " + s.trainTokens() + " tokens)",
        r.sftStepsPerSecond(),
        r.sftTokensPerSecond());
    w.printf(
        "  %-44s %8.2f steps/s %8.0f tokens/s%n",
        "DPO ("
            + s.dpoPairs()
            + " pairs x 2 x "
            + s.dpoSide()
            + " tokens"
            + (s.checkpointFullDpo() ? ", checkpointed" : "")
            + ")",
        r.dpoStepsPerSecond(),
        r.dpoTokensPerSecond());
    w.printf("  %-44s %8.0f MB%n", "peak RSS (VmHWM, highest part)", r.peakRssKb() / 1024.0);
    w.printf(
        "  %-44s %8.1f%% (lowest %d -> end %d MB, target < 10%%) %s%n",
        "RSS growth over " + r.memoryCalls() + " generate calls",
        100 * r.rssGrowth(),
        r.rssLowestKb() / 1024,
        r.rssEndKb() / 1024,
        verdict(r.rssGrowth() < 0.10));
    w.flush();
  }

  private static String verdict(boolean met) {
    return met ? "ok" : "MISSED";
  }

  private static void printRow(
      PrintWriter out,
      String stage,
      String master,
      String share,
      PipelineBenchmark.Result x,
      double overheadTarget) {
    out.printf(
        Locale.ROOT,
        "  %-6s %-10s %-13s %10.3f %12.0f %15.1f %14.2f %s%n",
        stage,
        master,
        share,
        x.prompts() / x.wallSeconds(),
        x.tokens() / x.wallSeconds(),
        x.comparisons() / x.wallSeconds(),
        x.overhead(),
        x.overhead() <= overheadTarget ? "" : "(target <= " + overheadTarget + " MISSED)");
    out.flush();
  }
}
