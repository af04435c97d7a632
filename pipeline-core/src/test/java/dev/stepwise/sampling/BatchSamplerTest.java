package dev.stepwise.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BatchSamplerTest {

  /**
   * Rows of logits with the shapes sampling meets: flat, peaked, heavy-tailed, tied maxima, masked
   * tokens.
   */
  private static float[][] rows(Random rng, int count, int vocab) {
    float[][] rows = new float[count][vocab];
    for (int b = 0; b < count; b++) {
      double scale = new double[] {0.2, 1, 3, 8}[b % 4];
      for (int i = 0; i < vocab; i++) rows[b][i] = (float) (rng.nextGaussian() * scale);
    }
    rows[1][7] = rows[1][900] = 40; // two tied maxima
    Arrays.fill(rows[2], 0, 100, Float.NEGATIVE_INFINITY);
    return rows;
  }

  private static final List<TokenChooser.Draw> SETTINGS =
      List.of(
          new TokenChooser.Draw(1.0, 0, 1.0, 0),
          new TokenChooser.Draw(0.5, 0, 0.95, 0),
          new TokenChooser.Draw(0.7, 40, 0.9, 0),
          new TokenChooser.Draw(1.3, 5, 1.0, 0),
          new TokenChooser.Draw(0.06, 0, 0.95, 0),
          new TokenChooser.Draw(0, 0, 1.0, 0));

  /**
   * The tiny preset's vocabulary (2048), and one past several blocks of the two-level count that
   * does not end on a block (5003).
   */
  @ParameterizedTest
  @ValueSource(ints = {2048, 5003})
  void picksExactlyTheTokensOfTheJavaSamplerForEveryRowAndSetting(int vocab) {
    Random rng = new Random(11);
    int rows = 8, compared = 0, distinct;
    Set<Integer> seen = new HashSet<>();
    try (NDManager manager = NDManager.newBaseManager()) {
      for (int trial = 0; trial < 40; trial++) {
        float[][] logits = rows(rng, rows, vocab);
        float[] flat = new float[rows * vocab];
        for (int b = 0; b < rows; b++) System.arraycopy(logits[b], 0, flat, b * vocab, vocab);
        // Each row its own setting and uniform, as requests with different samplers share a batch.
        TokenChooser.Draw[] draws = new TokenChooser.Draw[rows];
        for (int b = 0; b < rows; b++) {
          TokenChooser.Draw s = SETTINGS.get((trial + b) % SETTINGS.size());
          draws[b] = new TokenChooser.Draw(s.temperature(), s.topK(), s.topP(), rng.nextDouble());
        }
        double[] entropies = new double[rows];
        BatchSampler.Picked[] picked;
        try (NDManager scope = manager.newSubManager()) {
          NDArray batch = scope.create(flat, new Shape(rows, vocab));
          picked =
              BatchSampler.pick(
                  batch,
                  (row, entropy) -> {
                    entropies[row] = entropy;
                    return draws[row];
                  });
        }
        for (int b = 0; b < rows; b++) {
          assertThat(picked[b].token())
              .as("trial %d row %d %s", trial, b, draws[b])
              .isEqualTo(Logits.sample(logits[b], draws[b]));
          assertThat(picked[b].entropy())
              .isEqualTo(entropies[b])
              .isCloseTo(Logits.entropy(logits[b]), within(1e-9));
          assertThat(picked[b].logProb())
              .isCloseTo(Logits.logProb(logits[b], picked[b].token()), within(1e-9));
          assertThat(picked[b].temperature()).isEqualTo(draws[b].temperature());
          seen.add(picked[b].token());
          compared++;
        }
      }
      assertThat(manager.getManagedArrays()).isEmpty();
    }
    assertThat(compared).isEqualTo(320);
    distinct = seen.size();
    assertThat(distinct).as("the draws spread over many tokens").isGreaterThan(100);
  }

  @Test
  void countsTheEntriesAtMostTheTargetAsAFullComparisonDoes() {
    Random rng = new Random(3);
    int vocab = 3 * BatchSampler.BLOCK + 17;
    try (NDManager manager = NDManager.newBaseManager()) {
      for (int trial = 0; trial < 50; trial++) {
        // Non-decreasing rows with runs of equal entries (zero-probability tokens), targets inside,
        // on an entry, on a block end, below the first entry and above the last.
        double[] cdf = new double[2 * vocab];
        double[] at = new double[2];
        for (int r = 0; r < 2; r++) {
          double acc = 0;
          for (int i = 0; i < vocab; i++) {
            if (rng.nextInt(3) > 0) acc += rng.nextDouble();
            cdf[r * vocab + i] = acc;
          }
          int pick = rng.nextInt(vocab);
          at[r] =
              switch (trial % 5) {
                case 0 -> cdf[r * vocab + pick];
                case 1 -> cdf[r * vocab + BatchSampler.BLOCK * (1 + pick % 3) - 1];
                case 2 -> -1;
                case 3 -> acc + 1;
                default -> rng.nextDouble() * acc;
              };
        }
        long[] counted =
            BatchSampler.countAtMost(
                manager.create(cdf, new Shape(2, vocab)), manager.create(at, new Shape(2, 1)));
        for (int r = 0; r < 2; r++) {
          long expected = 0;
          for (int i = 0; i < vocab; i++) if (cdf[r * vocab + i] <= at[r]) expected++;
          if (expected == vocab)
            assertThat(counted[r]).as("trial %d row %d", trial, r).isGreaterThanOrEqualTo(vocab);
          else assertThat(counted[r]).as("trial %d row %d", trial, r).isEqualTo(expected);
        }
      }
    }
  }

  @Test
  void topKAndTopPCutTheTailOnTheEngine() {
    // Probabilities 0.5, 0.3, 0.15, 0.05: top-p 0.75 keeps the first two, top-k 1 only the first.
    float[] skewed = SamplersTest.SKEWED;
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray logits = manager.create(new float[][] {skewed, skewed, skewed});
      int[][] counts = new int[3][4];
      Random rng = new Random(5);
      for (int i = 0; i < 400; i++) {
        double u = rng.nextDouble();
        try (NDManager scope = manager.newSubManager()) {
          NDArray batch = logits.duplicate();
          batch.attach(scope);
          BatchSampler.Picked[] p =
              BatchSampler.pick(
                  batch,
                  (row, h) -> new TokenChooser.Draw(1, row == 1 ? 1 : 0, row == 2 ? 0.75 : 1, u));
          for (int b = 0; b < 3; b++) counts[b][p[b].token()]++;
        }
      }
      assertThat(counts[0][3]).isPositive();
      assertThat(counts[1]).containsExactly(400, 0, 0, 0);
      assertThat(counts[2][2] + counts[2][3]).isZero();
      assertThat((double) counts[2][0] / 400).isCloseTo(0.5 / 0.8, within(0.07));
    }
  }
}
