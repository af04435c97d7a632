package dev.stepwise.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.io.TensorDType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every token's log-prob matches the independent torch implementation (F32) within 1e-4 when the
 * decoder computes in F32, and within {@link #F16_TOLERANCE} when its weights and KV cache are F16.
 */
class DecoderParityTest {

  private static final double F32_TOLERANCE = 1e-4;

  /**
   * Measured on these fixtures (CPU, PyTorch 2.7.1): with F16 weights and KV cache the largest
   * |log-prob difference| from the F32 reference was 0.020 (0.018 in full forwards, 0.020 with the
   * cache; F32 gives under 4e-6). The bound leaves room for other kernels; docs/model.md states it.
   */
  static final double F16_TOLERANCE = 0.03;

  static Stream<Arguments> fixturesAndDtypes() {
    return Stream.of(Fixtures.MODELS)
        .flatMap(
            m -> Stream.of(Arguments.of(m, TensorDType.F32), Arguments.of(m, TensorDType.F16)));
  }

  private static LlamaModel load(String name, TensorDType dtype, NDManager root)
      throws IOException {
    LlamaModel model = Checkpoint.load(Fixtures.dir(name), root, dtype);
    assertThat(model.weightType())
        .isEqualTo(dtype == TensorDType.F16 ? DataType.FLOAT16 : DataType.FLOAT32);
    return model;
  }

  @ParameterizedTest
  @MethodSource("fixturesAndDtypes")
  void fullForwardMatchesReferenceAloneAndInALeftPaddedBatch(String name, TensorDType dtype)
      throws Exception {
    Map<String, Fixtures.Sequence> reference = Fixtures.reference(name);
    double tolerance = dtype == TensorDType.F16 ? F16_TOLERANCE : F32_TOLERANCE;
    try (NDManager root = NDManager.newBaseManager();
        LlamaModel model = load(name, dtype, root)) {
      CompletionScorer scorer = new CompletionScorer(model);
      List<int[]> prompts = new ArrayList<>();
      List<int[]> completions = new ArrayList<>();
      for (Fixtures.Sequence s : reference.values()) {
        prompts.add(Arrays.copyOf(s.ids(), 1));
        completions.add(Arrays.copyOfRange(s.ids(), 1, s.ids().length));
        CompletionScorer.Scored alone =
            scorer
                .score(
                    List.of(prompts.get(prompts.size() - 1)),
                    List.of(completions.get(completions.size() - 1)))
                .get(0);
        assertClose(alone.tokenLogProbs(), s.logProbs(), tolerance);
      }
      List<CompletionScorer.Scored> batched = scorer.score(prompts, completions);
      int i = 0;
      for (Fixtures.Sequence s : reference.values()) {
        assertClose(batched.get(i).tokenLogProbs(), s.logProbs(), tolerance);
        assertThat(batched.get(i++).sum())
            .isCloseTo(Arrays.stream(s.logProbs()).sum(), within(10 * tolerance));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("fixturesAndDtypes")
  void kvCacheDecodingMatchesReference(String name, TensorDType dtype) throws Exception {
    Map<String, Fixtures.Sequence> reference = Fixtures.reference(name);
    try (NDManager root = NDManager.newBaseManager();
        LlamaModel model = load(name, dtype, root)) {
      List<Fixtures.Sequence> sequences = new ArrayList<>(reference.values());
      // All sequences at once: prefill prefixes of different lengths (so rows are left-padded),
      // then one token per row per step.
      int batch = sequences.size();
      int[] fed = new int[batch];
      double[][] got = new double[batch][];
      for (int b = 0; b < batch; b++) {
        got[b] = new double[sequences.get(b).ids().length - 1];
        fed[b] = Math.min(1 + 2 * b, sequences.get(b).ids().length - 1);
      }
      int steps = 0;
      for (int b = 0; b < batch; b++)
        steps = Math.max(steps, sequences.get(b).ids().length - fed[b]);
      List<int[]> prefixes = new ArrayList<>();
      for (int b = 0; b < batch; b++) prefixes.add(Arrays.copyOf(sequences.get(b).ids(), fed[b]));
      LeftPaddedBatch prefill = LeftPaddedBatch.of(prefixes);
      try (KvCache cache =
          new KvCache(model.manager(), model.config(), batch, prefill.length() + steps)) {
        recordLogProbs(
            model, prefill.ids(), prefill.padding(), prefill.length(), cache, got, sequences, fed);
        for (int t = 0; t < steps; t++) {
          long[] next = new long[batch];
          for (int b = 0; b < batch; b++) {
            int[] ids = sequences.get(b).ids();
            next[b] =
                fed[b] < ids.length
                    ? ids[fed[b]]
                    : 0; // past its end a row just keeps decoding filler
            fed[b]++;
          }
          recordLogProbs(model, next, prefill.padding(), 1, cache, got, sequences, fed);
        }
      }
      for (int b = 0; b < batch; b++) {
        assertClose(
            toFloats(got[b]),
            sequences.get(b).logProbs(),
            dtype == TensorDType.F16 ? F16_TOLERANCE : F32_TOLERANCE);
      }
    }
  }

  /**
   * Runs one cached forward of {@code time} new tokens per row, row b's last one at index {@code
   * fed[b] - 1} of its sequence, and records log p of every reference token they predict.
   */
  private static void recordLogProbs(
      LlamaModel model,
      long[] ids,
      int[] padding,
      int time,
      KvCache cache,
      double[][] got,
      List<Fixtures.Sequence> sequences,
      int[] fed) {
    int batch = padding.length;
    try (NDManager scope = model.manager().newSubManager()) {
      NDArray hidden =
          model.hidden(scope.create(ids, new Shape(batch, time)), padding, cache, null);
      NDArray logProbs = model.logits(hidden).logSoftmax(-1);
      for (int b = 0; b < batch; b++) {
        int[] seq = sequences.get(b).ids();
        for (int t = 0; t < time; t++) {
          int target = fed[b] - time + t + 1;
          if (target >= 1 && target < seq.length)
            got[b][target - 1] = logProbs.getFloat(b, t, seq[target]);
        }
      }
    }
  }

  private static float[] toFloats(double[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) out[i] = (float) values[i];
    return out;
  }

  static void assertClose(float[] got, double[] expected, double tolerance) {
    assertThat(got).hasSize(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat((double) got[i]).as("token %d", i).isCloseTo(expected[i], within(tolerance));
    }
  }
}
