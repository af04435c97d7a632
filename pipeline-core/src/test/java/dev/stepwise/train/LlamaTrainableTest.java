package dev.stepwise.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.stepwise.io.TensorDType;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.CompletionScorer;
import dev.stepwise.model.LlamaConfig;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.TinyPreset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer on the real decoder: SFT learns, DPO separates, checkpoints reload exactly. */
class LlamaTrainableTest {

  static final LlamaConfig CONFIG = TinyPreset.config(32, null, 1);

  static List<SftExample> sequences() {
    return List.of(
        new SftExample(new int[] {2, 3}, new int[] {4, 5, 6, 1}),
        new SftExample(new int[] {7, 8}, new int[] {9, 10, 11, 1}),
        new SftExample(new int[] {12}, new int[] {13, 14, 1}));
  }

  @Test
  void f16WeightsAreRefusedBecauseDjlCastsCarryNoGradient(@TempDir Path dir) throws IOException {
    TinyPreset.writeRandomInit(CONFIG, 11, dir.resolve("init"), null);
    try (NDManager manager = NDManager.newBaseManager();
        LlamaModel half = Checkpoint.load(dir.resolve("init"), manager, TensorDType.F16)) {
      assertThatThrownBy(() -> new LlamaTrainable(half, null))
          .hasMessageContaining("training needs float32 weights")
          .hasMessageContaining("NoGradGuard");
    }
  }

  @Test
  void sftOnTheTinyDecoderMemorizesAndItsCheckpointReloadsExactly(@TempDir Path dir)
      throws IOException {
    TinyPreset.writeRandomInit(CONFIG, 11, dir.resolve("init"), null);
    try (NDManager manager = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(dir.resolve("init"), manager)) {
      LlamaTrainable trainable = new LlamaTrainable(model, null);
      TrainSettings settings =
          new TrainSettings(3, 1, 40, 0, 3e-3, 0.1, 0.1, 1.0, 0.0, 5, 1, 0, false);
      Trainer.Result result =
          new Trainer<>(
                  settings, new SftObjective(), trainable, trainable, new Trainer.Listener() {})
              .train(sequences(), dir.resolve("out"));
      assertThat((Double) result.logHistory().get(0).get("loss"))
          .isGreaterThan(2.5); // ~ln 32 at init
      assertThat(result.lastMetrics().get("loss")).isLessThan(0.3);

      try (LlamaModel reloaded = Checkpoint.load(dir.resolve("out"), manager)) {
        for (var e : model.parameters().entrySet()) {
          assertThat(reloaded.parameters().get(e.getKey()).toFloatArray())
              .as(e.getKey())
              .containsExactly(e.getValue().toFloatArray());
        }
      }
    }
  }

  @Test
  void stepDpoOnTheTinyDecoderPrefersTheChosenStep(@TempDir Path dir) throws IOException {
    TinyPreset.writeRandomInit(CONFIG, 12, dir.resolve("init"), null);
    try (NDManager manager = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(dir.resolve("init"), manager)) {
      var scorer = new CompletionScorer(model);
      int[] prefix = {2, 3, 4};
      int[] chosen = {5, 6};
      int[] rejected = {7, 8};
      var ref = scorer.score(List.of(prefix, prefix), List.of(chosen, rejected));
      List<PreferencePair> pairs =
          List.of(new PreferencePair(prefix, chosen, rejected, ref.get(0).sum(), ref.get(1).sum()));
      LlamaTrainable trainable = new LlamaTrainable(model, null);
      TrainSettings settings = new TrainSettings(1, 1, 15, 0, 1e-3, 0, 1, 1.0, 0.0, 5, 1, 0, false);
      Trainer.Result result =
          new Trainer<>(
                  settings,
                  new DpoObjective(new StepDpoLoss(0.1, 0)),
                  trainable,
                  trainable,
                  new Trainer.Listener() {})
              .train(pairs, dir.resolve("out"));
      // At step 1 policy == reference: the loss is exactly ln 2 and the margin 0.
      assertThat((Double) result.logHistory().get(0).get("loss"))
          .isCloseTo(Math.log(2), Offset.offset(1e-4));
      assertThat(result.lastMetrics().get("rewards/margins")).isGreaterThan(0.5);
      var after = scorer.score(List.of(prefix, prefix), List.of(chosen, rejected));
      assertThat(after.get(0).sum() - after.get(1).sum())
          .isGreaterThan(ref.get(0).sum() - ref.get(1).sum() + 5);
    }
  }

  @Test
  void frozenEmbeddingsStayFixedWhileTheLayersTrain(@TempDir Path dir) throws IOException {
    TinyPreset.writeRandomInit(CONFIG, 13, dir.resolve("init"), null);
    try (NDManager manager = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(dir.resolve("init"), manager)) {
      float[] embeddings = model.parameters().get(LlamaTrainable.EMBEDDINGS).toFloatArray();
      float[] gate = model.parameters().get("model.layers.0.mlp.gate_proj.weight").toFloatArray();
      LlamaTrainable trainable = new LlamaTrainable(model, null, true);
      assertThat(trainable.parameters())
          .doesNotContainKey(LlamaTrainable.EMBEDDINGS)
          .hasSize(model.parameters().size() - 1);
      TrainSettings settings = new TrainSettings(3, 1, 10, 0, 3e-3, 0, 1, 1.0, 0.0, 5, 1, 0, true);
      new Trainer<>(settings, new SftObjective(), trainable, trainable, new Trainer.Listener() {})
          .train(sequences(), dir.resolve("out"));
      assertThat(model.parameters().get(LlamaTrainable.EMBEDDINGS).toFloatArray())
          .containsExactly(embeddings);
      assertThat(model.parameters().get("model.layers.0.mlp.gate_proj.weight").toFloatArray())
          .isNotEqualTo(gate);
    }
  }
}
