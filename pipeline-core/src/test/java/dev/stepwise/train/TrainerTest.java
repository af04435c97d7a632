package dev.stepwise.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loop's mechanics on a bigram language model (logits of the next token = a row of one matrix):
 * small enough to train in milliseconds, real enough to learn a sequence.
 */
class TrainerTest {

  static final int VOCAB = 8;

  /** A bigram LM: one V×V weight, next-token logits are the row of the current token. */
  static final class Bigram implements CausalLm, CheckpointStore {
    final NDArray weight;

    Bigram(NDManager manager, long seed) {
      Random random = new Random(seed);
      float[] w = new float[VOCAB * VOCAB];
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) (random.nextGaussian() * 0.1);
      }
      weight = manager.create(w, new Shape(VOCAB, VOCAB));
      weight.setName("lm.weight");
      weight.setRequiresGradient(true);
    }

    @Override
    public Map<String, NDArray> parameters() {
      return Map.of("lm.weight", weight);
    }

    @Override
    public NDArray completionTokenLogProbs(
        NDManager scope, List<int[]> prompts, List<int[]> completions) {
      int width = completions.stream().mapToInt(c -> c.length).max().orElseThrow();
      List<NDArray> rows = new ArrayList<>();
      for (int b = 0; b < prompts.size(); b++) {
        int[] prompt = prompts.get(b);
        int[] completion = completions.get(b);
        int[] previous = new int[completion.length];
        previous[0] = prompt[prompt.length - 1];
        System.arraycopy(completion, 0, previous, 1, completion.length - 1);
        NDArray logProbs = weight.get(scope.create(previous)).logSoftmax(1);
        NDArray picked = logProbs.gather(scope.create(completion).expandDims(1), 1).squeeze(1);
        rows.add(scope.zeros(new Shape(width - completion.length)).concat(picked));
      }
      return NDArrays.stack(new NDList(rows));
    }

    @Override
    public void save(Path dir) throws IOException {
      try (OutputStream out = Files.newOutputStream(dir.resolve("model.safetensors"))) {
        new NDList(weight).encode(out, NDList.Encoding.SAFETENSORS);
      }
    }

    @Override
    public void restore(Path dir) throws IOException {
      try (InputStream in = Files.newInputStream(dir.resolve("model.safetensors"));
          NDManager tmp = weight.getManager().newSubManager()) {
        NDArray saved = NDList.decode(tmp, in).get(0);
        weight.set(saved.toFloatArray());
      }
    }
  }

  /** Sequences that count 1,2,3,...: prompt is the first token, the rest is the completion. */
  static List<SftExample> countingData() {
    List<SftExample> data = new ArrayList<>();
    for (int start = 1; start < 5; start++) {
      data.add(new SftExample(new int[] {start}, new int[] {start + 1, start + 2, start + 3}));
    }
    return data;
  }

  static TrainSettings settings(long steps, int saveEvery) {
    return new TrainSettings(2, 2, steps, 0, 0.1, 0.1, 0.1, 1.0, 0.0, 7, 1, saveEvery, false);
  }

  @Test
  void sftLearnsTheSequenceAndWritesAnHfStyleCheckpoint(@TempDir Path dir) throws IOException {
    try (NDManager manager = NDManager.newBaseManager()) {
      Bigram model = new Bigram(manager, 1);
      var trainer =
          new Trainer<>(
              settings(60, 0), new SftObjective(), model, model, new Trainer.Listener() {});
      Trainer.Result result = trainer.train(countingData(), dir);
      assertThat(result.logHistory().get(0).get("loss")).isInstanceOf(Double.class);
      double first = (Double) result.logHistory().get(0).get("loss");
      assertThat(result.lastMetrics().get("loss")).isLessThan(first / 5);
      assertThat(dir.resolve("model.safetensors")).exists();
      assertThat(dir.resolve("optimizer.safetensors")).exists();
      assertThat(Files.readString(dir.resolve("trainer_state.json")))
          .contains("\"global_step\": 60");
    }
  }

  @Test
  void aResumedRunEndsWithExactlyTheWeightsOfAnUninterruptedOne(@TempDir Path dir)
      throws IOException {
    try (NDManager manager = NDManager.newBaseManager()) {
      Bigram straight = new Bigram(manager, 3);
      new Trainer<>(
              settings(20, 0), new SftObjective(), straight, straight, new Trainer.Listener() {})
          .train(countingData(), dir.resolve("straight"));

      Bigram interrupted = new Bigram(manager, 3);
      Trainer.Listener stopAt13 =
          new Trainer.Listener() {
            @Override
            public void beforeStep(long step) {
              if (step == 13) {
                throw new IllegalStateException("simulated kill");
              }
            }
          };
      Path out = dir.resolve("resumed");
      assertThatThrownBy(
              () ->
                  new Trainer<>(
                          settings(20, 5), new SftObjective(), interrupted, interrupted, stopAt13)
                      .train(countingData(), out))
          .hasMessageContaining("simulated kill");
      assertThat(Trainer.latestCheckpoint(out)).isEqualTo(out.resolve("checkpoint-10"));

      Bigram resumed =
          new Bigram(manager, 99); // different init: everything must come from the checkpoint
      new Trainer<>(
              settings(20, 5), new SftObjective(), resumed, resumed, new Trainer.Listener() {})
          .train(countingData(), out);
      assertThat(resumed.weight.toFloatArray()).containsExactly(straight.weight.toFloatArray());
    }
  }

  @Test
  void aNonFiniteLossStopsBeforeAnyCheckpointIsWritten(@TempDir Path dir) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Bigram model = new Bigram(manager, 1);
      model.weight.set(new float[VOCAB * VOCAB]);
      model.weight.set(new NDIndex("0, 0"), Float.NaN);
      List<SftExample> data = List.of(new SftExample(new int[] {0}, new int[] {1}));
      var trainer =
          new Trainer<>(
              settings(5, 1), new SftObjective(), model, model, new Trainer.Listener() {});
      assertThatThrownBy(() -> trainer.train(data, dir))
          .isInstanceOf(NonFiniteLossException.class)
          .hasMessageContaining("step 1")
          .hasMessageContaining("no checkpoint");
      assertThat(dir.toFile().list()).isEmpty();
    }
  }

  static TrainSettings withLearningRate(TrainSettings s, double lr) {
    return new TrainSettings(
        s.batchSize(),
        s.gradientAccumulation(),
        s.steps(),
        s.epochs(),
        lr,
        s.warmupRatio(),
        s.minLrRatio(),
        s.maxGradNorm(),
        s.weightDecay(),
        s.seed(),
        s.logEvery(),
        s.saveEvery(),
        s.freezeEmbeddings());
  }

  @Test
  void aDivergedUpdateStopsBeforeItsCheckpointIsWritten(@TempDir Path dir) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Bigram model = new Bigram(manager, 1);
      // The loss and gradient of step 1 are finite; only the weights after the update are not.
      var trainer =
          new Trainer<>(
              withLearningRate(settings(3, 1), 1e300),
              new SftObjective(),
              model,
              model,
              new Trainer.Listener() {});
      assertThatThrownBy(() -> trainer.train(countingData(), dir))
          .isInstanceOf(NonFiniteLossException.class)
          .hasMessageStartingWith("non-finite weight 'lm.weight' after the update at step 1");
      assertThat(dir.toFile().list()).isEmpty();
    }
  }

  /** A 4-step run saving every 2 steps, killed before step 3: checkpoint-2 is its latest. */
  private static Bigram killedAfterCheckpoint2(NDManager manager, Path dir) {
    Bigram killed = new Bigram(manager, 1);
    Trainer.Listener killAt3 =
        new Trainer.Listener() {
          @Override
          public void beforeStep(long step) {
            if (step == 3) throw new IllegalStateException("simulated kill");
          }
        };
    assertThatThrownBy(
            () ->
                new Trainer<>(settings(4, 2), new SftObjective(), killed, killed, killAt3)
                    .train(countingData(), dir))
        .hasMessage("simulated kill");
    return killed;
  }

  /** Reruns {@link #killedAfterCheckpoint2}'s training from another init. */
  private static void resume(NDManager manager, Path dir) throws IOException {
    Bigram resumed = new Bigram(manager, 2);
    new Trainer<>(settings(4, 2), new SftObjective(), resumed, resumed, new Trainer.Listener() {})
        .train(countingData(), dir);
  }

  @Test
  void aNonFiniteCheckpointIsNeverResumedFrom(@TempDir Path dir) throws IOException {
    Path checkpoint = dir.resolve("checkpoint-2");
    try (NDManager manager = NDManager.newBaseManager()) {
      Bigram killed = killedAfterCheckpoint2(manager, dir);
      // Poison checkpoint-2 as an older version that saved diverged weights would have (it
      // recorded no checksums).
      killed.weight.set(new NDIndex("3, 4"), Float.NaN);
      killed.save(checkpoint);
      Path state = checkpoint.resolve(Trainer.STATE_FILE);
      JsonObject json = JsonParser.parseString(Files.readString(state)).getAsJsonObject();
      assertThat(json.remove("checksums")).isNotNull();
      Files.writeString(state, json.toString());

      assertThatThrownBy(() -> resume(manager, dir))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith(
              checkpoint + " holds non-finite weights ('lm.weight'): it cannot be resumed from");
      assertThat(dir.resolve("model.safetensors")).doesNotExist();
    }
  }

  /**
   * A checkpoint whose weights changed after they were written (same size, finite values: nothing
   * else would notice) is refused by resume, naming the file; nothing is trained from it.
   */
  @Test
  void aDamagedCheckpointIsRefusedByItsChecksum(@TempDir Path dir) throws IOException {
    Path checkpoint = dir.resolve("checkpoint-2");
    try (NDManager manager = NDManager.newBaseManager()) {
      killedAfterCheckpoint2(manager, dir);
      long size = Files.size(checkpoint.resolve("model.safetensors"));
      new Bigram(manager, 3).save(checkpoint);
      assertThat(Files.size(checkpoint.resolve("model.safetensors"))).isEqualTo(size);

      assertThatThrownBy(() -> resume(manager, dir))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(
              checkpoint.resolve("model.safetensors")
                  + " is missing or differs from what was written (its CRC32C in trainer_state.json): "
                  + checkpoint
                  + " cannot be resumed from; delete it to resume from an earlier checkpoint, or use a new output directory");
      assertThat(dir.resolve("model.safetensors")).doesNotExist();
    }
  }

  @Test
  void finiteWeightsFindsNaNAndInfinity() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray a = manager.create(new float[] {1, -2, 3});
      NDArray b = manager.create(new float[] {0, 5e37f, -1});
      assertThat(FiniteWeights.firstNonFinite(new LinkedHashMap<>(Map.of("a", a)))).isNull();
      b.set(new NDIndex("1"), Float.NEGATIVE_INFINITY);
      Map<String, NDArray> both = new LinkedHashMap<>();
      both.put("a", a);
      both.put("b", b);
      assertThat(FiniteWeights.firstNonFinite(both)).isEqualTo("b");
      a.set(new NDIndex("2"), Float.NaN);
      assertThat(FiniteWeights.firstNonFinite(both)).isEqualTo("a");
    }
  }

  @Test
  void dpoRaisesTheChosenStepOverTheRejectedOne(@TempDir Path dir) throws IOException {
    try (NDManager manager = NDManager.newBaseManager()) {
      Bigram model = new Bigram(manager, 5);
      List<PreferencePair> pairs =
          List.of(
              new PreferencePair(new int[] {1}, new int[] {2, 3}, new int[] {2, 4}, -4.2, -4.2),
              new PreferencePair(new int[] {5}, new int[] {6}, new int[] {7}, -2.1, -2.1));
      var trainer =
          new Trainer<>(
              settings(30, 0),
              new DpoObjective(new StepDpoLoss(0.5, 0)),
              model,
              model,
              new Trainer.Listener() {});
      Trainer.Result result = trainer.train(pairs, dir);
      assertThat(result.lastMetrics().get("rewards/accuracies")).isEqualTo(1.0);
      assertThat(result.lastMetrics().get("rewards/margins")).isGreaterThan(1.0);
      assertThat(result.lastMetrics())
          .containsKeys("logps/chosen", "logps/rejected", "grad_norm", "learning_rate");
    }
  }
}
