package dev.stepwise.spark.jobs.selfreward;

import com.google.inject.name.Named;
import dev.stepwise.model.TinyPreset;
import dev.stepwise.spark.config.ModelConfig;
import dev.stepwise.spark.config.PromptsConfig;
import dev.stepwise.spark.config.RunConfig;
import dev.stepwise.spark.config.SftDataConfig;
import dev.stepwise.spark.config.TasksConfig;
import dev.stepwise.spark.config.TrainingConfig;
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
import dev.stepwise.train.SftObjective;
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
 * Stage "sft": M0 -> M1 on the IFT + EFT mixture of stepwise.sft.data (synthetic and/or imported,
 * ColdStartData), as a barrier training stage, published as {@code checkpoints/round=1}. With
 * {@code model.m1} set, that ready-made M1 is published instead.
 */
public final class SftStage {

  private final SparkSession spark;
  private final RunLayout layout;
  private final StageRunner runner;
  private final RunConfig run;
  private final ModelConfig model;
  private final TasksConfig tasks;
  private final TrainingConfig sft;
  private final SftDataConfig sftData;
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
      @Named("sft") TrainingConfig sft,
      SftDataConfig sftData,
      PromptsConfig prompts,
      DatasetIO io) {
    this.spark = spark;
    this.layout = layout;
    this.runner = runner;
    this.run = run;
    this.model = model;
    this.tasks = tasks;
    this.sft = sft;
    this.sftData = sftData;
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
                    sftData,
                    tasks,
                    tasks.languages(),
                    templates,
                    run.seed());
            TasksConfig t = tasks;
            long seed = run.seed();
            TrainingConfig training = sft;
            Path syncDir = new Path(layout.root(), "_sync/sft");
            SerializableConfiguration hadoop = new SerializableConfiguration(conf);
            Map<String, Double> metrics =
                BarrierTraining.run(
                    spark,
                    sft.workers(),
                    (worker, workers, context) -> {
                      return TaskTraining.train(
                          m0,
                          m1,
                          syncDir,
                          hadoop.value(),
                          chat ->
                              SftMixture.tokenized(data.examples(t.generator(), templates), chat),
                          new SftObjective(),
                          training.settings(seed),
                          training.syncEvery(),
                          worker,
                          workers,
                          context,
                          "sft");
                    });
            metrics.forEach(stage::metric);
            stage.metric("examples", data.counts());
            stage.metric("source", "trained from " + m0);
          }
          stage.output("checkpoint", m1);
          return null;
        });
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
