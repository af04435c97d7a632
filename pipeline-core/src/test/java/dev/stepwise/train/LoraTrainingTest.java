package dev.stepwise.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.stepwise.io.SafetensorsFile;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.CompletionScorer;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.TinyPreset;
import dev.stepwise.model.lora.LoraAdapter;
import dev.stepwise.model.lora.LoraSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA runs of the trainer on the tiny decoder: only adapters train, checkpoints are adapters,
 * resume is exact.
 */
class LoraTrainingTest {

  static final LoraSettings LORA = new LoraSettings(4, 8, 0.0, LoraAdapter.MODULES);

  static TrainSettings settings(long steps, int saveEvery, LoraSettings lora) {
    return new TrainSettings(
        3, 1, steps, 0, 1e-2, 0.1, 0.1, 1.0, 0.0, 5, 1, saveEvery, false, lora, false);
  }

  static Map<String, float[]> snapshot(Map<String, NDArray> parameters) {
    Map<String, float[]> copy = new LinkedHashMap<>();
    parameters.forEach((name, p) -> copy.put(name, p.toFloatArray()));
    return copy;
  }

  @Test
  void loraSftTrainsOnlyTheAdapterLeavesTheBaseBitIdenticalAndWritesAnAdapterDirectory(
      @TempDir Path dir) throws IOException {
    TinyPreset.writeRandomInit(LlamaTrainableTest.CONFIG, 21, dir.resolve("init"), null);
    try (NDManager manager = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(dir.resolve("init"), manager)) {
      Map<String, float[]> base = snapshot(model.parameters());
      LlamaTrainable trainable =
          new LlamaTrainable(model, null, settings(40, 0, LORA), dir.resolve("init").toString());
      assertThat(trainable.parameters())
          .hasSize(4 * 7 * 2)
          .allSatisfy((name, p) -> assertThat(name).startsWith("base_model.model.model.layers."));
      Trainer.Result result =
          new Trainer<>(
                  settings(40, 0, LORA),
                  new SftObjective(),
                  trainable,
                  trainable,
                  new Trainer.Listener() {})
              .train(LlamaTrainableTest.sequences(), dir.resolve("out"));
      double first = (Double) result.logHistory().get(0).get("loss");
      assertThat(first).isGreaterThan(2.5); // ~ln 32: B = 0 leaves the random base as it was
      assertThat(result.lastMetrics().get("loss")).isLessThan(first / 2);
      model
          .parameters()
          .forEach(
              (name, p) -> {
                assertThat(p.toFloatArray()).as(name).containsExactly(base.get(name));
                assertThat(p.hasGradient()).as(name + " has no gradient").isFalse();
              });

      Path out = dir.resolve("out");
      assertThat(out.resolve("adapter_config.json")).exists();
      assertThat(out.resolve("model.safetensors")).doesNotExist();
      try (SafetensorsFile optimizer = SafetensorsFile.open(out.resolve(Trainer.OPTIMIZER_FILE))) {
        assertThat(optimizer.names())
            .hasSize(2 * 4 * 7 * 2)
            .allSatisfy(
                name ->
                    assertThat(name)
                        .matches("exp_avg(_sq)?\\.base_model\\.model\\..*lora_[AB]\\.weight"));
      }
      List<int[]> prompts = List.of(new int[] {2, 3}, new int[] {12});
      List<int[]> completions = List.of(new int[] {4, 5, 6, 1}, new int[] {13, 14, 1});
      var trained = new CompletionScorer(model).score(prompts, completions);
      try (LlamaModel reloaded = Checkpoint.load(out, manager)) {
        var loaded = new CompletionScorer(reloaded).score(prompts, completions);
        for (int i = 0; i < prompts.size(); i++)
          assertThat(loaded.get(i).tokenLogProbs()).containsExactly(trained.get(i).tokenLogProbs());
      }
    }
  }

  @Test
  void aResumedLoraRunEndsWithTheAdapterOfAnUninterruptedOne(@TempDir Path dir) throws IOException {
    LoraSettings lora = new LoraSettings(4, 8, 0.0, List.of("q_proj", "v_proj", "up_proj"));
    resumedEqualsUninterrupted(dir, saveEvery -> settings(12, saveEvery, lora));
  }

  /**
   * With dropout, micro-batches of 2 accumulated per step: the masks after the resume are those the
   * uninterrupted run drew (they follow from seed, step and micro-batch, not from how many were
   * drawn before), and dropout changes what is learned.
   */
  @Test
  void aResumedLoraRunWithDropoutEndsWithTheAdapterOfAnUninterruptedOne(@TempDir Path dir)
      throws IOException {
    List<String> targets = List.of("q_proj", "v_proj", "o_proj", "up_proj", "down_proj");
    Map<String, float[]> dropped =
        resumedEqualsUninterrupted(
            dir.resolve("p0.2"),
            saveEvery -> accumulating(12, saveEvery, new LoraSettings(4, 8, 0.2, targets)));
    Map<String, float[]> plain =
        straight(dir.resolve("p0"), accumulating(12, 0, new LoraSettings(4, 8, 0.0, targets)));
    assertThat(dropped.get("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight"))
        .isNotEqualTo(plain.get("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight"));
  }

  private static TrainSettings accumulating(long steps, int saveEvery, LoraSettings lora) {
    return new TrainSettings(
        2, 2, steps, 0, 1e-2, 0.1, 0.1, 1.0, 0.0, 5, 1, saveEvery, false, lora, false);
  }

  /** The adapter after an uninterrupted run of the settings without checkpoints. */
  private static Map<String, float[]> straight(Path dir, TrainSettings settings)
      throws IOException {
    TinyPreset.writeRandomInit(LlamaTrainableTest.CONFIG, 22, dir.resolve("init"), null);
    String init = dir.resolve("init").toString();
    try (NDManager manager = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(dir.resolve("init"), manager)) {
      LlamaTrainable trainable = new LlamaTrainable(model, null, settings, init);
      new Trainer<>(settings, new SftObjective(), trainable, trainable, new Trainer.Listener() {})
          .train(LlamaTrainableTest.sequences(), dir.resolve("straight"));
      return snapshot(trainable.parameters());
    }
  }

  /**
   * A run of 12 steps killed before step 7 and resumed from checkpoint-6 ends with exactly the
   * adapter of an uninterrupted one; returns it.
   */
  private static Map<String, float[]> resumedEqualsUninterrupted(
      Path dir, java.util.function.IntFunction<TrainSettings> settings) throws IOException {
    Map<String, float[]> straight = straight(dir, settings.apply(0));
    String init = dir.resolve("init").toString();
    try (NDManager manager = NDManager.newBaseManager()) {
      Path out = dir.resolve("resumed");
      try (LlamaModel model = Checkpoint.load(dir.resolve("init"), manager)) {
        LlamaTrainable trainable = new LlamaTrainable(model, null, settings.apply(3), init);
        Trainer.Listener stopAt7 =
            new Trainer.Listener() {
              @Override
              public void beforeStep(long step) {
                if (step == 7) throw new IllegalStateException("simulated kill");
              }
            };
        assertThatThrownBy(
                () ->
                    new Trainer<>(
                            settings.apply(3), new SftObjective(), trainable, trainable, stopAt7)
                        .train(LlamaTrainableTest.sequences(), out))
            .hasMessageContaining("simulated kill");
      }
      assertThat(Trainer.latestCheckpoint(out)).isEqualTo(out.resolve("checkpoint-6"));
      try (LlamaModel model = Checkpoint.load(dir.resolve("init"), manager)) {
        LlamaTrainable trainable = new LlamaTrainable(model, null, settings.apply(3), init);
        trainable
            .parameters()
            .values()
            .forEach(
                p -> p.set(new float[(int) p.size()])); // everything must come from the checkpoint
        new Trainer<>(
                settings.apply(3),
                new SftObjective(),
                trainable,
                trainable,
                new Trainer.Listener() {})
            .train(LlamaTrainableTest.sequences(), out);
        snapshot(trainable.parameters())
            .forEach(
                (name, values) -> assertThat(values).as(name).containsExactly(straight.get(name)));
      }
    }
    return straight;
  }

  @Test
  void trainingFromAnAdapterDirectoryContinuesThatAdapterAndFullTrainingMergesIt(@TempDir Path dir)
      throws IOException {
    TinyPreset.writeRandomInit(LlamaTrainableTest.CONFIG, 23, dir.resolve("init"), null);
    String init = dir.resolve("init").toAbsolutePath().toString();
    try (NDManager manager = NDManager.newBaseManager()) {
      try (LlamaModel model = Checkpoint.load(dir.resolve("init"), manager)) {
        LlamaTrainable trainable = new LlamaTrainable(model, null, settings(5, 0, LORA), init);
        new Trainer<>(
                settings(5, 0, LORA),
                new SftObjective(),
                trainable,
                trainable,
                new Trainer.Listener() {})
            .train(LlamaTrainableTest.sequences(), dir.resolve("round1"));
      }
      try (LlamaModel model = Checkpoint.load(dir.resolve("round1"), manager)) {
        Map<String, float[]> round1 = snapshot(((LoraAdapter) model.projectionHook()).parameters());
        LlamaTrainable trainable =
            new LlamaTrainable(model, null, settings(5, 0, LORA), dir.resolve("round1").toString());
        assertThat(
                snapshot(trainable.parameters())
                    .get("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"))
            .as("starts from round 1's adapter")
            .containsExactly(
                round1.get("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"));
        new Trainer<>(
                settings(5, 0, LORA),
                new SftObjective(),
                trainable,
                trainable,
                new Trainer.Listener() {})
            .train(LlamaTrainableTest.sequences(), dir.resolve("round2"));
        assertThat(((LoraAdapter) model.projectionHook()).base())
            .as("the base stays the plain checkpoint")
            .isEqualTo(init);
        assertThatThrownBy(
                () ->
                    new LlamaTrainable(
                        model,
                        null,
                        settings(5, 0, new LoraSettings(8, 8, 0, LoraAdapter.MODULES)),
                        init))
            .hasMessageContaining("r=4")
            .hasMessageContaining("r=8");
      }
      try (LlamaModel model = Checkpoint.load(dir.resolve("round2"), manager)) {
        var before =
            new CompletionScorer(model)
                .score(List.of(new int[] {2, 3}), List.of(new int[] {4, 5, 6, 1}));
        LlamaTrainable full = new LlamaTrainable(model, null, settings(5, 0, null), null);
        assertThat(model.projectionHook()).isNull();
        assertThat(full.parameters()).containsKey("model.layers.0.self_attn.q_proj.weight");
        var after =
            new CompletionScorer(model)
                .score(List.of(new int[] {2, 3}), List.of(new int[] {4, 5, 6, 1}));
        assertThat(after.get(0).sum()).isCloseTo(before.get(0).sum(), Offset.offset(1e-4));
      }
    }
  }
}
