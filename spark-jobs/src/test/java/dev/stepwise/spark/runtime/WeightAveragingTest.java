package dev.stepwise.spark.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.TinyPreset;
import dev.stepwise.model.lora.LoraAdapter;
import dev.stepwise.model.lora.LoraSettings;
import dev.stepwise.spark.config.SparkConfig;
import dev.stepwise.tasks.TinyTokenizer;
import dev.stepwise.text.HfTokenizer;
import dev.stepwise.train.LlamaTrainable;
import dev.stepwise.train.SftExample;
import dev.stepwise.train.SftObjective;
import dev.stepwise.train.TrainSettings;
import dev.stepwise.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parameter averaging in a real local[2] barrier stage: every worker ends with the same mean
 * weights; with LoRA only the adapters are trained, averaged and published.
 */
class WeightAveragingTest {
  @TempDir Path tmp;

  @Test
  void everyWorkerEndsWithTheMeanOfAllWorkersWeights() throws Exception {
    var spark =
        SessionFactory.create(new SparkConfig("local[2]", "test", false, 0, Duration.ofSeconds(1)));
    String sync = tmp.resolve("sync").toString(), out = tmp.toString();
    BarrierTraining.run(
        spark,
        2,
        (worker, workers, context) -> {
          try (NDManager manager = NDManager.newBaseManager()) {
            // Worker w holds a = [w+1, 2(w+1)] and b = [10(w+1)]: the means are [1.5, 3] and [15].
            Map<String, NDArray> parameters = new LinkedHashMap<>();
            parameters.put("a", manager.create(new float[] {worker + 1, 2 * (worker + 1)}));
            parameters.put("b", manager.create(new float[] {10 * (worker + 1)}));
            WeightAveraging averaging =
                new WeightAveraging(
                    new org.apache.hadoop.fs.Path(sync),
                    new Configuration(),
                    worker,
                    workers,
                    context);
            averaging.average(7, parameters);
            Files.writeString(
                Path.of(out, "worker=" + worker + ".txt"),
                Arrays.toString(parameters.get("a").toFloatArray())
                    + " "
                    + Arrays.toString(parameters.get("b").toFloatArray()));
          }
          return Map.of();
        });
    String first = Files.readString(tmp.resolve("worker=0.txt")),
        second = Files.readString(tmp.resolve("worker=1.txt"));
    assertThat(first).isEqualTo("[1.5, 3.0] [15.0]");
    assertThat(second).isEqualTo(first);
    assertThat(tmp.resolve("sync/step=7"))
        .doesNotExist(); // worker 0 cleans up after the second barrier
  }

  static final LoraSettings LORA =
      new LoraSettings(4, 8, 0.0, List.of("q_proj", "v_proj", "down_proj"));
  static final TrainSettings SETTINGS =
      new TrainSettings(1, 1, 4, 0, 1e-2, 0, 1, 1.0, 0.0, 3, 1, 0, false, LORA, false);

  static List<SftExample> examples() {
    return List.of(
        new SftExample(new int[] {5, 6}, new int[] {7, 8, 9}),
        new SftExample(new int[] {10}, new int[] {11, 12}),
        new SftExample(new int[] {13, 14}, new int[] {15, 16}),
        new SftExample(new int[] {17}, new int[] {18, 19, 20}));
  }

  @Test
  void loraTrainingOnTwoWorkersAveragesAndPublishesOnlyTheAdapter() throws Exception {
    assertAveragesAndPublishesOnlyTheAdapter(SETTINGS, "lora");
  }

  /**
   * With LoRA dropout each worker's task draws the masks a lone run of its shard draws: they follow
   * from (seed, step, micro-batch, layer, module), not from the task, thread or partition.
   */
  @Test
  void loraTrainingWithDropoutOnTwoWorkersDrawsTheMasksOfLoneRuns() throws Exception {
    LoraSettings dropout = new LoraSettings(4, 8, 0.3, LORA.targetModules());
    assertAveragesAndPublishesOnlyTheAdapter(
        new TrainSettings(1, 1, 4, 0, 1e-2, 0, 1, 1.0, 0.0, 3, 1, 0, false, dropout, false),
        "lora-dropout");
  }

  private void assertAveragesAndPublishesOnlyTheAdapter(TrainSettings settings, String label)
      throws Exception {
    Path dir = tmp.resolve(label);
    Path tokenizer = dir.resolve("tokenizer"), init = dir.resolve("init");
    TinyTokenizer.write(tokenizer, 300, 1);
    try (HfTokenizer t = HfTokenizer.load(tokenizer)) {
      TinyPreset.writeRandomInit(
          TinyPreset.config(t.vocabSize(), null, t.specialTokens().eosId()), 4, init, tokenizer);
    }
    byte[] base = Files.readAllBytes(init.resolve("model.safetensors"));
    var spark =
        SessionFactory.create(new SparkConfig("local[2]", "test", false, 0, Duration.ofSeconds(1)));
    String from = init.toString(),
        to = dir.resolve("trained").toString(),
        sync = dir.resolve("lora-sync").toString();
    BarrierTraining.run(
        spark,
        2,
        (worker, workers, context) ->
            TaskTraining.train(
                from,
                new org.apache.hadoop.fs.Path(to),
                new org.apache.hadoop.fs.Path(sync),
                new Configuration(),
                chat -> examples(),
                new SftObjective(),
                settings,
                100,
                worker,
                workers,
                context,
                "lora")); // sync_every 100: one average, after the last of the 4 steps

    Path trained = Path.of(to);
    assertThat(trained.resolve("adapter_config.json")).isRegularFile();
    assertThat(trained.resolve("model.safetensors")).doesNotExist();
    assertThat(Files.readAllBytes(init.resolve("model.safetensors"))).isEqualTo(base);
    // The published adapter is the mean of what each worker trains alone on its shard (rows i mod 2
    // == w).
    try (NDManager manager = NDManager.newBaseManager();
        LlamaModel published = Checkpoint.load(trained, manager)) {
      assertThat(((LoraAdapter) published.projectionHook()).base())
          .isEqualTo(init.toAbsolutePath().toString());
      Map<String, float[]> sum = new LinkedHashMap<>();
      for (int w = 0; w < 2; w++) {
        try (LlamaModel model = Checkpoint.load(init, manager)) {
          LlamaTrainable alone = new LlamaTrainable(model, null, settings, from);
          new Trainer<>(settings, new SftObjective(), alone, alone, new Trainer.Listener() {})
              .train(List.of(examples().get(w), examples().get(w + 2)), dir.resolve("alone-" + w));
          alone
              .parameters()
              .forEach(
                  (name, p) ->
                      sum.merge(
                          name,
                          p.toFloatArray(),
                          (a, b) -> {
                            float[] total = a.clone();
                            for (int i = 0; i < total.length; i++) total[i] += b[i];
                            return total;
                          }));
        }
      }
      Map<String, NDArray> adapter = ((LoraAdapter) published.projectionHook()).parameters();
      assertThat(adapter.keySet()).isEqualTo(sum.keySet());
      sum.forEach(
          (name, total) -> {
            float[] actual = adapter.get(name).toFloatArray();
            for (int i = 0; i < total.length; i++)
              assertThat(actual[i]).as(name).isCloseTo(total[i] / 2, within(1e-6f));
          });
      assertThat(
              adapter
                  .get("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight")
                  .toFloatArray())
          .as("trained")
          .isNotEqualTo(new float[128 * 4]);
    }
  }
}
