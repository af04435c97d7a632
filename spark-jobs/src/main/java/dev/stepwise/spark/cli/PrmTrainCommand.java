package dev.stepwise.spark.cli;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.GsonBuilder;
import com.google.inject.Injector;
import dev.stepwise.io.TensorDType;
import dev.stepwise.search.LabelledSolution;
import dev.stepwise.search.LabelledStep;
import dev.stepwise.search.ModelPrm;
import dev.stepwise.search.PrmQuality;
import dev.stepwise.search.PrmTraining;
import dev.stepwise.spark.config.PrmConfig;
import dev.stepwise.spark.config.RunConfig;
import dev.stepwise.spark.config.TasksConfig;
import dev.stepwise.spark.jobs.search.PrmData;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.train.NonFiniteLossException;
import dev.stepwise.train.TorchThreads;
import dev.stepwise.train.Trainer;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `stepwise prm train`: a decoder trained into a PRM on step-correctness labels, measured (AUC,
 * accuracy) on held-out labelled steps before training (the model as its own step judge) and after;
 * writes the PRM to OUT and the measurements to OUT/prm_eval.json.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Train a PRM: SFT of --model on the pointwise step-judge prompt (stepwise.prm.prompt) of each"
          + " labelled step, the verdict (stepwise.prm.positive/negative) as the completion.",
      "Labels: the synthetic task's right and corrupted steps (stepwise.prm.train_problems, held out:"
          + " eval_problems of the eft_test split), or --data FILE (.jsonl or .parquet, any Hadoop URI)"
          + " with question, steps (array), labels (one per step: true/false, 1/0, \"+\"/\"-\"),"
          + " a seeded stepwise.prm.eval_fraction of it held out.",
      "Prints step-level AUC and accuracy (score >= 0.5) on the held-out steps before and after"
          + " training, and writes them to OUT/prm_eval.json."
    })
public final class PrmTrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description = "HF model directory to start from (e.g. the policy M1).")
  Path model;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Output: the PRM (an HF directory), checkpoint-N/, prm_eval.json.")
  Path out;

  @Option(
      names = "--data",
      paramLabel = "FILE",
      description = "Step-labelled solutions (.jsonl or .parquet) instead of the synthetic task.")
  String data;

  @Option(names = "--steps", description = "stepwise.prm.train.steps")
  Long steps;

  @Option(names = "--lr", description = "stepwise.prm.train.lr")
  Double learningRate;

  @Option(names = "--problems", description = "stepwise.prm.train_problems")
  Integer problems;

  @Option(names = "--eval-problems", description = "stepwise.prm.eval_problems")
  Integer evalProblems;

  @Option(names = "--threads", description = "stepwise.prm.threads")
  Integer threads;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> flags = new LinkedHashMap<>();
    flags.put("prm.train.steps", steps);
    flags.put("prm.train.lr", learningRate);
    flags.put("prm.train_problems", problems);
    flags.put("prm.eval_problems", evalProblems);
    flags.put("prm.threads", threads);
    common.setFlags(flags);
    Injector injector = common.injector();
    PrmConfig config = injector.getInstance(PrmConfig.class);
    PrmData prmData =
        data == null
            ? PrmData.synthetic(injector.getInstance(TasksConfig.class), config)
            : PrmData.file(
                injector.getInstance(SparkSession.class),
                data,
                config,
                injector.getInstance(RunConfig.class).seed());
    return LoadedModel.userErrors(() -> train(config, prmData));
  }

  private Integer train(PrmConfig config, PrmData prmData) throws Exception {
    PrintWriter w = spec.commandLine().getOut();
    List<LabelledStep> train = LabelledSolution.steps(prmData.train());
    List<LabelledStep> heldOut = LabelledSolution.steps(prmData.heldOut());
    try (LoadedModel loaded = LoadedModel.open(model, TensorDType.F32)) {
      ChatFormat chat = new ChatFormat(loaded.tokenizer());
      ModelPrm prm = config.prm(loaded.model(), chat, loaded.generator(64));
      ModelPrm self = config.selfJudge(loaded.model(), chat);
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("data", prmData.source());
      report.put("train_steps", train.size());
      report.put("held_out_steps", heldOut.size());
      if (!heldOut.isEmpty()) {
        PrmQuality before = PrmTraining.evaluate(self, heldOut);
        print(w, "before (" + model + " as its own step judge)", before);
        report.put("before", before);
      }
      w.printf(
          "prm train: %d labelled steps (%d right, %d wrong) from %s, %d steps of %d, lr %s -> %s%n",
          train.size(),
          train.stream().filter(LabelledStep::correct).count(),
          train.stream().filter(s -> !s.correct()).count(),
          prmData.source(),
          config.train().steps(),
          config.train().batchSize(),
          config.train().learningRate(),
          out);
      w.flush();
      int previous = TorchThreads.set(config.threads());
      try {
        PrmTraining.train(
            loaded.model(),
            loaded.tokenizerDir(),
            model.toAbsolutePath().normalize().toString(),
            chat,
            config.prompt(),
            train,
            config.train(),
            new Trainer.Listener() {
              @Override
              public void afterStep(long step, long total, Map<String, Double> metrics) {
                if (step % 25 == 0 || step == total) {
                  w.printf(
                      Locale.ROOT, "step %d/%d  loss %.4f%n", step, total, metrics.get("loss"));
                  w.flush();
                }
              }
            },
            out);
      } catch (NonFiniteLossException e) {
        throw new StepwiseException(e.getMessage(), e);
      } finally {
        TorchThreads.set(previous);
      }
      loaded.model().setTrainable(false);
      if (!heldOut.isEmpty()) {
        PrmQuality after = PrmTraining.evaluate(prm, heldOut);
        print(w, "after (the trained PRM)", after);
        report.put("after", after);
      }
      Files.writeString(
          out.resolve("prm_eval.json"),
          new GsonBuilder()
                  .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
                  .setPrettyPrinting()
                  .serializeSpecialFloatingPointValues()
                  .create()
                  .toJson(report)
              + "\n",
          StandardCharsets.UTF_8);
      w.println("wrote " + out + " and " + out.resolve("prm_eval.json"));
      w.flush();
    }
    return 0;
  }

  static void print(PrintWriter w, String label, PrmQuality q) {
    w.printf(
        Locale.ROOT,
        "held-out steps, %s: AUC %.3f, accuracy %.1f%% (%d right, %d wrong steps)%n",
        label,
        q.auc(),
        100 * q.accuracy(),
        q.correctSteps(),
        q.wrongSteps());
    w.flush();
  }
}
