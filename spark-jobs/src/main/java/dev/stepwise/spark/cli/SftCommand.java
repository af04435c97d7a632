package dev.stepwise.spark.cli;

import ai.djl.ndarray.NDArray;
import com.google.gson.GsonBuilder;
import dev.stepwise.eval.HeldOutEval;
import dev.stepwise.eval.SyntheticEval;
import dev.stepwise.io.TensorDType;
import dev.stepwise.selfreward.SftRecipe;
import dev.stepwise.spark.config.PromptsConfig;
import dev.stepwise.spark.config.RunConfig;
import dev.stepwise.spark.config.SftConfig;
import dev.stepwise.spark.config.TasksConfig;
import dev.stepwise.spark.jobs.selfreward.ColdStartData;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.SftMixture;
import dev.stepwise.tasks.TaskGenerator;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.PromptTemplates;
import dev.stepwise.train.NonFiniteLossException;
import dev.stepwise.train.ProgressLog;
import dev.stepwise.train.SftData;
import dev.stepwise.train.SftExample;
import dev.stepwise.train.Shard;
import dev.stepwise.train.TorchThreads;
import dev.stepwise.train.TrainSettings;
import dev.stepwise.train.Trainer;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
      "Flags override the stepwise.sft.* config keys of the same name. With stepwise.sft.passes set",
      "(e.g. --config conf/tiny-m1.conf) it runs those passes in order, the recipe the sft stage runs;",
      "every pass but the last keeps its weights in OUT/pass-N, so a rerun resumes."
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
                config.data(),
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
        w.printf(
            "sft: %d pass(es) from %s, %d thread(s) -> %s%n",
            config.recipe().passes().size(), model, config.threads(), out);
        w.flush();
        config
            .recipe()
            .train(
                new SftRecipe.Model(
                    loaded.model(),
                    chat,
                    loaded.tokenizerDir(),
                    model.toAbsolutePath().normalize().toString()),
                tasks,
                templates,
                config.languages(),
                new SftRecipe.Context() {
                  @Override
                  public List<SftExample> mixture(int index, SftRecipe.Pass pass) {
                    if (data != null) {
                      log("mixture " + data);
                      return SftData.jsonl(data, chat);
                    }
                    ColdStartData sized = mixture.forPass(pass);
                    log(
                        "mixture "
                            + sized.counts()
                            + " "
                            + config.languages().stream().map(Language::code).toList());
                    return SftMixture.tokenized(sized.examples(tasks, templates), chat);
                  }

                  @Override
                  public Trainer.Listener listener(
                      String name,
                      TrainSettings settings,
                      double tokensPerStep,
                      Map<String, NDArray> parameters) {
                    return new ProgressLog(
                        this::log,
                        config.recipe().passes().size() == 1 ? "" : name,
                        settings.logEvery(),
                        tokensPerStep);
                  }

                  @Override
                  public void log(String line) {
                    w.println(line);
                    w.flush();
                  }
                },
                Shard.ALL,
                out,
                true);
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
}
