package dev.stepwise.spark.jobs.selfreward;

import ai.djl.ndarray.NDArray;
import dev.stepwise.model.TinyPreset;
import dev.stepwise.selfreward.SftRecipe;
import dev.stepwise.spark.config.ModelConfig;
import dev.stepwise.spark.config.PromptsConfig;
import dev.stepwise.spark.config.RunConfig;
import dev.stepwise.spark.config.SftConfig;
import dev.stepwise.spark.config.TasksConfig;
import dev.stepwise.spark.runtime.BarrierTraining;
import dev.stepwise.spark.runtime.Checkpoints;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.RunLayout;
import dev.stepwise.spark.runtime.StageRunner;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.spark.runtime.TaskTraining;
import dev.stepwise.tasks.SftMixture;
import dev.stepwise.tasks.TinyTokenizer;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.HfTokenizer;
import dev.stepwise.text.PromptTemplates;
import dev.stepwise.train.SftExample;
import dev.stepwise.train.TrainSettings;
import dev.stepwise.train.Trainer;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Stage "sft": M0 -> M1 by the recipe of stepwise.sft (SftRecipe: its passes, each on the IFT + EFT
 * mixture of stepwise.sft.data, synthetic and/or imported, ColdStartData, with the pass's synthetic
 * sizes and policy-EFT mining) in a barrier training stage, published as {@code
 * checkpoints/round=1}. With {@code model.m1} set, that ready-made M1 is published instead.
 */
public final class SftStage {

  private final SparkSession spark;
  private final RunLayout layout;
  private final StageRunner runner;
  private final RunConfig run;
  private final ModelConfig model;
  private final TasksConfig tasks;
  private final SftConfig sft;
  private final PromptsConfig prompts;
  private final DatasetIO io;

  @Inject
  SftStage(
      SparkSession spark,
      RunLayout layout,
      StageRunner runner,
      RunConfig run,
      ModelConfig model,
      TasksConfig tasks,
      SftConfig sft,
      PromptsConfig prompts,
      DatasetIO io) {
    this.spark = spark;
    this.layout = layout;
    this.runner = runner;
    this.run = run;
    this.model = model;
    this.tasks = tasks;
    this.sft = sft;
    this.prompts = prompts;
    this.io = io;
  }

  public void run() {
    Path m1 = layout.checkpoint(1);
    runner.run(
        "sft",
        null,
        List.of(model.m1().isEmpty() ? model.init() : model.m1()),
        stage -> {
          Configuration conf = spark.sparkContext().hadoopConfiguration();
          if (!model.m1().isEmpty()) {
            Checkpoints.publish(Checkpoints.localize(model.m1(), conf), m1, conf);
            stage.metric("source", "prebuilt " + model.m1());
          } else {
            String m0 = initialCheckpoint(conf);
            PromptTemplates templates = prompts.templates();
            ColdStartData data =
                ColdStartData.collect(
                    () -> io,
                    () -> spark,
                    sft.data(),
                    tasks,
                    sft.languages(),
                    templates,
                    run.seed());
            Path syncDir = new Path(layout.root(), "_sync/sft");
            SerializableConfiguration hadoop = new SerializableConfiguration(conf);
            TaskTraining.Body body = recipe(sft, tasks, templates, data);
            int syncEvery = sft.syncEvery();
            Map<String, Double> metrics =
                BarrierTraining.run(
                    spark,
                    sft.workers(),
                    (worker, workers, context) ->
                        TaskTraining.run(
                            m0,
                            m1,
                            syncDir,
                            hadoop.value(),
                            syncEvery,
                            worker,
                            workers,
                            context,
                            body));
            metrics.forEach(stage::metric);
            List<SftRecipe.Pass> passes = sft.recipe().passes();
            stage.metric("examples", data.forPass(passes.get(passes.size() - 1)).counts());
            if (passes.size() > 1)
              stage.metric(
                  "examples_by_pass", passes.stream().map(p -> data.forPass(p).counts()).toList());
            stage.metric("source", "trained from " + m0);
          }
          stage.output("checkpoint", m1);
          return null;
        });
  }

  /**
   * A training task's body: the recipe on the task's model copy, each pass's mixture built there
   * with the model's tokenizer. Static, so that the task does not capture the stage.
   */
  private static TaskTraining.Body recipe(
      SftConfig c, TasksConfig t, PromptTemplates templates, ColdStartData data) {
    return (loaded, pointer, shard, updates, local) ->
        c.recipe()
            .train(
                new SftRecipe.Model(loaded.model(), loaded.chat(), loaded.tokenizerDir(), pointer),
                t.generator(),
                templates,
                c.languages(),
                new SftRecipe.Context() {
                  @Override
                  public List<SftExample> mixture(int index, SftRecipe.Pass pass) {
                    return SftMixture.tokenized(
                        data.forPass(pass).examples(t.generator(), templates), loaded.chat());
                  }

                  @Override
                  public Trainer.Listener listener(
                      String name,
                      TrainSettings settings,
                      double tokensPerStep,
                      Map<String, NDArray> parameters) {
                    return updates.listener(name, tokensPerStep, parameters);
                  }

                  @Override
                  public void log(String line) {
                    if (shard.worker() == 0) System.err.println("  " + line);
                  }
                },
                shard,
                local,
                false);
  }

  /** M0: the configured checkpoint, or a fresh tiny preset written into the run. */
  private String initialCheckpoint(Configuration conf) {
    if (!model.tinyInit()) {
      return model.init();
    }
    Path m0 = layout.checkpoint(0);
    if (!Checkpoints.exists(m0, conf)) {
      try {
        java.nio.file.Path local = Files.createTempDirectory("stepwise-m0-");
        java.nio.file.Path tokenizerDir = local.resolve("tokenizer");
        TinyTokenizer.write(tokenizerDir, TinyTokenizer.DEFAULT_VOCAB_SIZE, run.seed());
        try (HfTokenizer tokenizer = HfTokenizer.load(tokenizerDir)) {
          ChatFormat chat = new ChatFormat(tokenizer);
          TinyPreset.writeRandomInit(
              TinyPreset.config(tokenizer.vocabSize(), null, chat.eosId()),
              run.seed(),
              local.resolve("model"),
              tokenizerDir);
        }
        Checkpoints.publish(local.resolve("model"), m0, conf);
      } catch (IOException e) {
        throw new StepwiseException("cannot write the tiny M0: " + e.getMessage(), e);
      }
    }
    return m0.toString();
  }
}
