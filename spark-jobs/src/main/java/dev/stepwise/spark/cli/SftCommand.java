package dev.stepwise.spark.cli;

import com.google.gson.GsonBuilder;
import dev.stepwise.eval.HeldOutEval;
import dev.stepwise.eval.SyntheticEval;
import dev.stepwise.io.TensorDType;
import dev.stepwise.selfreward.ModelStepProposer;
import dev.stepwise.selfreward.PolicyEft;
import dev.stepwise.spark.config.PromptsConfig;
import dev.stepwise.spark.config.RunConfig;
import dev.stepwise.spark.config.SftConfig;
import dev.stepwise.spark.config.SftDataConfig;
import dev.stepwise.spark.config.TasksConfig;
import dev.stepwise.spark.jobs.selfreward.ColdStartData;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.SftMixture;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskGenerator;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.PromptTemplates;
import dev.stepwise.train.LlamaTrainable;
import dev.stepwise.train.NonFiniteLossException;
import dev.stepwise.train.SftData;
import dev.stepwise.train.SftExample;
import dev.stepwise.train.SftObjective;
import dev.stepwise.train.TorchThreads;
import dev.stepwise.train.Trainer;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `stepwise sft`: M0 → M1. Supervised fine-tuning on the synthetic IFT + EFT mix (or a {prompt,
 * completion} JSONL file), resuming from the output's checkpoints, then held-out reasoning and
 * judge accuracy per language, printed and written to {@code OUT/eval.json}.
 */
@Command(
    name = "sft",
    mixinStandardHelpOptions = true,
    description = {
      "Supervised fine-tuning (M0 -> M1), then held-out evaluation.",
      "Trains on synthetic IFT (step-by-step solutions) + EFT (step judging) data,",
      "or on --data FILE.jsonl rows {\"prompt\", \"completion\"}; resumes from OUT's checkpoints; then evaluates",
      "held-out reasoning (eval split) and judge (eft_test split) accuracy and writes OUT/eval.json.",
      "Flags override the stepwise.sft.* config keys of the same name."
    })
public final class SftCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "INIT_DIR",
      description =
          "HF model directory (or LoRA adapter directory) to start from (e.g. from `model init`).")
  Path model;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description =
          "Output: final weights (an adapter directory with stepwise.train.lora.enabled), checkpoint-N/, eval.json.")
  Path out;

  @Option(
      names = "--data",
      paramLabel = "FILE.jsonl",
      description = "Train on these {prompt, completion} rows instead of the synthetic mix.")
  Path data;

  @Option(
      names = "--languages",
      split = ",",
      description = "stepwise.tasks.languages, e.g. en,de,zh.")
  List<String> languages;

  @Option(names = "--ift-problems", description = "stepwise.tasks.train_problems")
  Integer iftProblems;

  @Option(names = "--eft-problems", description = "stepwise.tasks.eft_problems")
  Integer eftProblems;

  @Option(names = "--steps", description = "stepwise.sft.steps")
  Long steps;

  @Option(names = "--lr", description = "stepwise.sft.lr")
  Double learningRate;

  @Option(names = "--batch-size", description = "stepwise.sft.batch_size")
  Integer batchSize;

  @Option(names = "--warmup-ratio", description = "stepwise.sft.warmup_ratio")
  Double warmupRatio;

  @Option(names = "--threads", description = "stepwise.sft.threads")
  Integer threads;

  @Option(names = "--save-every", description = "stepwise.sft.save_every")
  Integer saveEvery;

  @Option(names = "--log-every", description = "stepwise.sft.log_every")
  Integer logEvery;

  @Option(names = "--eval-problems", description = "stepwise.tasks.eval_problems")
  Integer evalProblems;

  @Option(
      names = "--seed",
      description = "stepwise.run.seed: data, order and init of everything random")
  Long seed;

  @Option(
      names = "--policy-eft-problems",
      description =
          "stepwise.sft.policy_eft.problems: judge examples mined from the starting model's own candidate steps")
  Integer policyEftProblems;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> flags = new LinkedHashMap<>();
    flags.put("tasks.train_problems", iftProblems);
    flags.put("tasks.eft_problems", eftProblems);
    flags.put("sft.steps", steps);
    flags.put("sft.lr", learningRate);
    flags.put("sft.batch_size", batchSize);
    flags.put("sft.warmup_ratio", warmupRatio);
    flags.put("sft.threads", threads);
    flags.put("sft.save_every", saveEvery);
    flags.put("sft.log_every", logEvery);
    flags.put("tasks.eval_problems", evalProblems);
    flags.put("run.seed", seed);
    flags.put("sft.policy_eft.problems", policyEftProblems);
    common.setFlags(flags);
    var injector = common.injector();
    SftConfig config = injector.getInstance(SftConfig.class);
    if (languages != null) config = config.withLanguages(languages);
    TasksConfig tasksConfig = injector.getInstance(TasksConfig.class);
    TaskGenerator generator = tasksConfig.generator();
    SftConfig resolved = config;
    // The mixture of stepwise.sft.data; the run's datasets (and Spark) only when it names imported
    // prompts.
    PromptTemplates templates = injector.getInstance(PromptsConfig.class).templates();
    ColdStartData mixture =
        data != null
            ? null
            : ColdStartData.collect(
                () -> injector.getInstance(DatasetIO.class),
                () -> injector.getInstance(SparkSession.class),
                injector.getInstance(SftDataConfig.class),
                tasksConfig,
                config.languages(),
                templates,
                injector.getInstance(RunConfig.class).seed());
    return LoadedModel.userErrors(() -> train(resolved, generator, mixture, templates));
  }

  private Integer train(
      SftConfig config, TaskGenerator tasks, ColdStartData mixture, PromptTemplates templates)
      throws Exception {
    PrintWriter w = spec.commandLine().getOut();
    // Float32 whatever stepwise.model.dtype says: training supports no other
    // (LlamaTrainable.F32_ONLY).
    try (LoadedModel loaded = LoadedModel.open(model, TensorDType.F32)) {
      ChatFormat chat = new ChatFormat(loaded.tokenizer());
      // Mining and training use the training threads; evaluation goes back to the inference
      // setting.
      int previousThreads = TorchThreads.set(config.threads());
      try {
        List<SftExample> examples =
            new ArrayList<>(
                data != null
                    ? SftData.jsonl(data, chat)
                    : SftMixture.tokenized(mixture.examples(tasks, templates), chat));
        examples.addAll(minePolicyEft(loaded, chat, tasks, config, w));
        double meanLength = examples.stream().mapToInt(SftData::length).average().orElseThrow();
        w.printf(
            "sft: %d examples (%s, mean %.0f tokens), %d steps of %d, lr %s, %d thread(s) -> %s%n",
            examples.size(),
            data != null
                ? data
                : mixture.counts() + " " + config.languages().stream().map(Language::code).toList(),
            meanLength,
            config.train().steps(),
            config.train().batchSize(),
            config.train().learningRate(),
            config.threads(),
            out);
        w.flush();
        LlamaTrainable trainable =
            new LlamaTrainable(
                loaded.model(),
                loaded.tokenizerDir(),
                config.train(),
                model.toAbsolutePath().normalize().toString());
        new Trainer<>(
                config.train(),
                new SftObjective(),
                trainable,
                trainable,
                new Progress(w, config.train().logEvery(), config.train().batchSize() * meanLength))
            .groupByLength(SftData::length, config.lengthWindow())
            .train(examples, out);
      } catch (NonFiniteLossException e) {
        throw new StepwiseException(e.getMessage(), e);
      } finally {
        TorchThreads.set(previousThreads);
      }
      loaded.model().setTrainable(false);
      evaluate(loaded, chat, tasks, config, w);
    }
    return 0;
  }

  /** Judge examples from the starting model's own candidates, mined before training starts. */
  private List<SftExample> minePolicyEft(
      LoadedModel loaded, ChatFormat chat, TaskGenerator tasks, SftConfig config, PrintWriter w) {
    SftConfig.PolicyEft settings = config.policyEft();
    if (settings.problems() == 0) return List.of();
    PolicyEft miner = policyEft(loaded, chat, tasks, config);
    long start = System.nanoTime();
    int first = config.mixture().eftProblems(), chunk = 128;
    List<SftExample> out = new ArrayList<>();
    for (int done = 0; done < settings.problems(); done += chunk) {
      int count = Math.min(chunk, settings.problems() - done);
      out.addAll(
          SftMixture.tokenized(
              miner.examples(Split.TRAIN, first + done, count, config.languages()), chat));
      w.printf(
          "policy EFT: %d/%d problems, %d pairs, %.0fs%n",
          done + count, settings.problems(), out.size(), (System.nanoTime() - start) / 1e9);
      w.flush();
    }
    return out;
  }

  /** Pairs of the loaded model's own candidate steps, sampled as stepwise.sft.policy_eft says. */
  static PolicyEft policyEft(
      LoadedModel loaded, ChatFormat chat, TaskGenerator tasks, SftConfig config) {
    SftConfig.PolicyEft settings = config.policyEft();
    return new PolicyEft(
        tasks,
        new ModelStepProposer(
            loaded.generator(64),
            chat,
            PromptTemplates.DEFAULT,
            settings.sampler(),
            settings.maxStepTokens()),
        settings.candidates(),
        config.train().seed());
  }

  private void evaluate(
      LoadedModel loaded, ChatFormat chat, TaskGenerator tasks, SftConfig config, PrintWriter w)
      throws Exception {
    if (config.evalProblems() == 0) return;
    HeldOutEval eval = loaded.heldOutEval(config.evalMaxNewTokens());
    SyntheticEval.Result result =
        SyntheticEval.run(eval, tasks, config.languages(), config.evalProblems());
    w.println("held-out accuracy (greedy):");
    w.printf("  %-6s %18s %18s%n", "lang", "reasoning (eval)", "judge (eft_test)");
    for (String lang : result.reasoning().keySet()) {
      SyntheticEval.Score r = result.reasoning().get(lang), j = result.judge().get(lang);
      w.printf(
          "  %-6s %9.1f%% of %4d %9.1f%% of %4d%n",
          lang, 100 * r.accuracy(), r.items(), 100 * j.accuracy(), j.items());
    }
    Files.writeString(
        out.resolve("eval.json"),
        new GsonBuilder().setPrettyPrinting().create().toJson(result) + "\n",
        StandardCharsets.UTF_8);
    w.println("wrote " + out.resolve("eval.json"));
    w.flush();
  }

  /** One line every logEvery steps: step/total, loss, steps/s, tokens/s (non-padding), ETA. */
  private static final class Progress implements Trainer.Listener {
    private final PrintWriter w;
    private final int every;
    private final double tokensPerStep;
    private long start, firstStep = -1;

    Progress(PrintWriter w, int every, double tokensPerStep) {
      this.w = w;
      this.every = every;
      this.tokensPerStep = tokensPerStep;
    }

    @Override
    public void beforeStep(long step) {
      if (firstStep < 0) {
        firstStep = step;
        start = System.nanoTime();
      }
    }

    @Override
    public void afterStep(long step, long total, Map<String, Double> metrics) {
      if (step % every != 0 && step != total) return;
      double rate = (step - firstStep) / ((System.nanoTime() - start) / 1e9);
      long eta = Math.round((total - step) / rate);
      w.printf(
          "step %d/%d  loss %.4f  %.2f steps/s  %.0f tokens/s  ETA %dm%02ds%n",
          step, total, metrics.get("loss"), rate, rate * tokensPerStep, eta / 60, eta % 60);
      w.flush();
    }
  }
}
