package dev.stepwise.multilingual;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.LeftPaddedBatch;
import dev.stepwise.model.LlamaConfig;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.TinyPreset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Response-token activation counts and neuron zeroing on the tiny decoder (random weights). */
class ActivationRecorderTest {

  static final LlamaConfig CONFIG = TinyPreset.config(32, null, 1);
  static final ResponseSequence FIRST =
      new ResponseSequence(new int[] {2, 3, 4}, new int[] {5, 6, 7, 5});
  static final ResponseSequence SECOND = new ResponseSequence(new int[] {8}, new int[] {9, 10});

  @TempDir static Path dir;
  static NDManager manager;
  static LlamaModel model;

  @BeforeAll
  static void load() throws IOException {
    TinyPreset.writeRandomInit(CONFIG, 7, dir, null);
    manager = NDManager.newBaseManager();
    model = Checkpoint.load(dir, manager);
  }

  @AfterAll
  static void close() {
    model.close();
    manager.close();
  }

  @Test
  void layerZeroCountsEqualGatePreActivationsComputedByHandOnResponseTokensOnly()
      throws IOException {
    // With layer 0's o_proj zeroed, attention adds nothing, so layer 0's gate input is
    // RMSNorm(embedding of the token) and x·W_gate can be computed from the weights alone.
    try (NDManager m = NDManager.newBaseManager();
        LlamaModel noAttention = Checkpoint.load(dir, m)) {
      NDArray o = noAttention.parameters().get("model.layers.0.self_attn.o_proj.weight");
      o.set(new float[(int) o.size()]);
      ActivationCounts counts =
          ActivationRecorder.record(noAttention, List.of(FIRST, SECOND), "de", 2);

      long[] responseOnly = new long[CONFIG.intermediateSize()],
          everyToken = new long[CONFIG.intermediateSize()];
      for (ResponseSequence s : List.of(FIRST, SECOND)) {
        for (int token : s.prompt()) addPositive(everyToken, gateByHand(noAttention, token));
        for (int token : s.response()) {
          addPositive(everyToken, gateByHand(noAttention, token));
          addPositive(responseOnly, gateByHand(noAttention, token));
        }
      }
      assertThat(counts.tokens()).isEqualTo(6);
      assertThat(counts.lang()).isEqualTo("de");
      for (int j = 0; j < CONFIG.intermediateSize(); j++)
        assertThat(counts.active(0, j)).as("neuron %d", j).isEqualTo(responseOnly[j]);
      assertThat(responseOnly)
          .isNotEqualTo(everyToken); // the prompt tokens would have changed the counts
    }
  }

  /** x·W_gate of layer 0 for one token when attention contributes nothing. */
  private static double[] gateByHand(LlamaModel m, int token) {
    int d = CONFIG.hiddenSize();
    float[] embedding = m.parameters().get("model.embed_tokens.weight").toFloatArray();
    float[] norm =
        m.parameters().get("model.layers.0.post_attention_layernorm.weight").toFloatArray();
    float[] gate = m.parameters().get("model.layers.0.mlp.gate_proj.weight").toFloatArray();
    double meanSquare = 0;
    for (int i = 0; i < d; i++) meanSquare += Math.pow(embedding[token * d + i], 2) / d;
    double rms = Math.sqrt(meanSquare + CONFIG.rmsNormEps());
    double[] out = new double[CONFIG.intermediateSize()];
    for (int j = 0; j < out.length; j++) {
      for (int i = 0; i < d; i++)
        out[j] += gate[j * d + i] * (embedding[token * d + i] / rms) * norm[i];
    }
    return out;
  }

  private static void addPositive(long[] counts, double[] gate) {
    for (int j = 0; j < gate.length; j++) if (gate[j] > 0) counts[j]++;
  }

  @Test
  void maskingEqualsTheCodesJointMinusPromptOnlyCountsOnEveryLayer() {
    // The released code counts every token of prompt+response and subtracts every token of the
    // prompt alone. Counting "everything after the first token" of both gives those totals (the
    // first token is in both and cancels), so their difference must equal the masked count.
    int[] joint = concat(FIRST.prompt(), FIRST.response());
    ActivationCounts all = ActivationRecorder.record(model, List.of(afterFirst(joint)), "de", 1);
    ActivationCounts promptOnly =
        ActivationRecorder.record(model, List.of(afterFirst(FIRST.prompt())), "de", 1);
    ActivationCounts masked = ActivationRecorder.record(model, List.of(FIRST), "de", 1);
    long[] difference = all.activeCounts();
    long[] prompt = promptOnly.activeCounts();
    for (int i = 0; i < difference.length; i++) difference[i] -= prompt[i];
    assertThat(masked.activeCounts()).containsExactly(difference);
    assertThat(masked.tokens()).isEqualTo(all.tokens() - promptOnly.tokens()).isEqualTo(4);
    assertThat(masked.activeCounts()).isNotEqualTo(all.activeCounts());
  }

  @Test
  void batchedLeftPaddedCountsEqualMergedSingleSequenceCounts() {
    ActivationCounts batched = ActivationRecorder.record(model, List.of(FIRST, SECOND), "zh", 2);
    ActivationCounts merged =
        ActivationRecorder.record(model, List.of(FIRST), "zh", 1)
            .merge(ActivationRecorder.record(model, List.of(SECOND), "zh", 1));
    assertThat(batched).isEqualTo(merged);
    assertThat(batched.layers()).isEqualTo(4);
    assertThat(batched.neurons()).isEqualTo(384);
    assertThat(ActivationRecorder.record(model, List.of(), "zh", 2))
        .isEqualTo(ActivationCounts.empty("zh", 4, 384));
  }

  @Test
  void zeroingNeuronsChangesTheOutputAndAnEmptyMaskDoesNot() {
    try (NDManager scope = manager.newSubManager()) {
      LeftPaddedBatch batch = LeftPaddedBatch.of(List.of(FIRST.prompt(), SECOND.prompt()));
      NDArray ids = batch.toNDArray(scope);
      float[] plain = model.logits(model.hidden(ids, batch.padding(), null, null)).toFloatArray();
      float[] empty =
          model
              .logits(model.hidden(ids, batch.padding(), null, new NeuronMask(List.of())))
              .toFloatArray();
      NeuronMask mask =
          new NeuronMask(List.of(new Neuron(1, 5), new Neuron(1, 5), new Neuron(2, 300)));
      float[] zeroed = model.logits(model.hidden(ids, batch.padding(), null, mask)).toFloatArray();
      assertThat(empty).containsExactly(plain);
      assertThat(zeroed).isNotEqualTo(plain);
      assertThat(mask.size()).isEqualTo(2);
      assertThat(mask.zeroedNeurons(1)).containsExactly(5);
      assertThat(mask.zeroedNeurons(0)).isNull();
    }
  }

  @Test
  void countsMergeByAdditionAndRejectMismatches() {
    ActivationCounts a = new ActivationCounts("ru", 1, 3, new long[] {1, 0, 2}, 2);
    ActivationCounts b = new ActivationCounts("ru", 1, 3, new long[] {3, 1, 0}, 5);
    ActivationCounts sum = a.merge(b);
    assertThat(sum.activeCounts()).containsExactly(4, 1, 2);
    assertThat(sum.tokens()).isEqualTo(7);
    assertThat(sum.probabilities()).containsExactly(4 / 7.0, 1 / 7.0, 2 / 7.0);
    assertThatThrownBy(() -> a.merge(new ActivationCounts("ja", 1, 3, new long[3], 0)))
        .hasMessageContaining("counts of ru with counts of ja");
    assertThatThrownBy(() -> a.merge(ActivationCounts.empty("ru", 3, 1)))
        .hasMessageContaining("different models");
    assertThatThrownBy(() -> new ActivationCounts("ru", 1, 2, new long[] {3, 0}, 2))
        .hasMessageContaining("outside 0..2");
    assertThatThrownBy(() -> ActivationCounts.empty("ru", 1, 2).probabilities())
        .hasMessageContaining("no response tokens");
  }

  private static ResponseSequence afterFirst(int[] ids) {
    int[] rest = new int[ids.length - 1];
    System.arraycopy(ids, 1, rest, 0, rest.length);
    return new ResponseSequence(new int[] {ids[0]}, rest);
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
