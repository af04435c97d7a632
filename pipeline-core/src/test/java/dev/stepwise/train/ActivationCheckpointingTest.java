package dev.stepwise.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.TinyPreset;
import dev.stepwise.model.lora.LoraAdapter;
import dev.stepwise.model.lora.LoraSettings;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training with activation checkpointing (layers recomputed in the backward pass) ends with the
 * weights of training without it: full fine-tuning (embeddings and tied head included) and LoRA,
 * with and without dropout.
 */
class ActivationCheckpointingTest {

  private static final double TOLERANCE = 1e-5;

  /** Every trained weight after 6 SFT steps (2 accumulated micro-batches each). */
  private static Map<String, float[]> trainedWeights(
      Path dir, LoraSettings lora, boolean checkpointing) throws Exception {
    TrainSettings settings =
        new TrainSettings(
            3, 2, 6, 0, 1e-2, 0.1, 0.1, 1.0, 0.0, 5, 1, 0, false, lora, checkpointing);
    try (NDManager manager = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(dir.resolve("init"), manager)) {
      LlamaTrainable trainable =
          new LlamaTrainable(model, null, settings, dir.resolve("init").toString());
      new Trainer<>(settings, new SftObjective(), trainable, trainable, new Trainer.Listener() {})
          .train(LlamaTrainableTest.sequences(), dir.resolve("out-" + checkpointing));
      return LoraTrainingTest.snapshot(trainable.parameters());
    }
  }

  private static void assertSameTraining(Path dir, LoraSettings lora) throws Exception {
    TinyPreset.writeRandomInit(LlamaTrainableTest.CONFIG, 21, dir.resolve("init"), null);
    Map<String, float[]> plain = trainedWeights(dir, lora, false);
    Map<String, float[]> checkpointed = trainedWeights(dir, lora, true);
    assertThat(checkpointed.keySet()).isEqualTo(plain.keySet());
    Map<String, float[]> init = initialWeights(dir, lora);
    for (String name : plain.keySet()) {
      float[] p = plain.get(name), c = checkpointed.get(name);
      for (int i = 0; i < p.length; i++)
        assertThat((double) c[i]).as("%s[%d]", name, i).isCloseTo(p[i], within(TOLERANCE));
    }
    // Training moved every trained tensor, so the comparison compares something.
    for (String name : init.keySet())
      assertThat(plain.get(name)).as(name + " trained").isNotEqualTo(init.get(name));
  }

  private static Map<String, float[]> initialWeights(Path dir, LoraSettings lora) throws Exception {
    if (lora != null) return Map.of(); // adapters start at B = 0; checked by training moving A, B
    try (NDManager manager = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(dir.resolve("init"), manager)) {
      return LoraTrainingTest.snapshot(model.parameters());
    }
  }

  @Test
  void fullFineTuningEndsWithTheSameWeights(@TempDir Path dir) throws Exception {
    assertSameTraining(dir, null);
  }

  @Test
  void loraEndsWithTheSameAdapters(@TempDir Path dir) throws Exception {
    assertSameTraining(dir, LoraTrainingTest.LORA);
  }

  /** The recomputed layers drop what the first forward dropped (the same masks). */
  @Test
  void loraWithDropoutEndsWithTheSameAdapters(@TempDir Path dir) throws Exception {
    assertSameTraining(dir, new LoraSettings(4, 8, 0.2, LoraAdapter.MODULES));
  }
}
