package dev.stepwise.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SamplersTest {
  static final float[] UNIFORM4 = {0, 0, 0, 0};

  /** Probabilities 0.5, 0.3, 0.15, 0.05 at temperature 1. */
  static final float[] SKEWED = {
    (float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)
  };

  @Test
  void entropyInNats() {
    assertThat(Logits.entropy(UNIFORM4)).isCloseTo(Math.log(4), within(1e-12));
    assertThat(Logits.entropy(new float[] {2, 1, 0})).isCloseTo(0.8323955818399389, within(1e-9));
    assertThat(Logits.entropy(new float[] {0, Float.NEGATIVE_INFINITY})).isEqualTo(0.0);
  }

  @Test
  void edtTemperatureFormula() {
    Edt edt = new Edt(0.6, 0.1, 0.8, 0.95, false);
    assertThat(edt.temperature(1.0)).isCloseTo(0.5867596611257571, within(1e-12)); // 0.6 * 0.8^0.1
    assertThat(edt.temperature(0.01))
        .isCloseTo(0.06442450944, within(1e-10)); // 0.6 * 0.8^10: confident -> cooled
    assertThat(edt.temperature(Math.log(4))).isCloseTo(0.5904194700513603, within(1e-12));
    assertThat(edt.temperature(1e3)).isCloseTo(0.6, within(1e-4)); // T0 is the ceiling
    assertThat(edt.temperature(5e-7)).isZero(); // below the 1e-6 floor: greedy
    assertThat(new Edt(0.6, 0, 0.8, 0.95, false).temperature(0.01))
        .isEqualTo(0.6); // theta 0: fixed T0
    assertThat(new Edt(1.0, 1.0, 0.8, 0.95, false).temperature(1.0)).isCloseTo(0.8, within(1e-12));
  }

  @Test
  void edtChoiceReportsTemperatureAndEntropyAndIsGreedyWhenCertain() {
    TokenChooser chooser = new Edt(0.6, 0.1, 0.8, 0.95, false).newRequest();
    TokenChooser.Choice c = chooser.choose(UNIFORM4, new Random(1));
    assertThat(c.entropy()).isCloseTo(Math.log(4), within(1e-12));
    assertThat(c.temperature()).isCloseTo(0.5904194700513603, within(1e-12));
    TokenChooser.Choice certain = chooser.choose(new float[] {0, 100, 0}, new Random(1));
    assertThat(certain.token()).isEqualTo(1);
    assertThat(certain.temperature()).isZero();
    // A confident position gets a lower temperature than an uncertain one.
    assertThat(chooser.choose(new float[] {5, 0, 0, 0}, new Random(1)).temperature())
        .isLessThan(c.temperature());
  }

  @Test
  void instanceLevelEdtKeepsTheFirstTokensTemperature() {
    Edt edt = new Edt(0.6, 0.1, 0.8, 0.95, true);
    TokenChooser request = edt.newRequest();
    double first = request.choose(UNIFORM4, new Random(1)).temperature();
    TokenChooser.Choice later = request.choose(new float[] {5, 0, 0, 0}, new Random(1));
    assertThat(first).isCloseTo(0.5904194700513603, within(1e-12));
    assertThat(later.temperature()).isEqualTo(first);
    assertThat(later.entropy()).isLessThan(Math.log(4));
    // A new request starts over.
    assertThat(edt.newRequest().choose(new float[] {5, 0, 0, 0}, new Random(1)).temperature())
        .isLessThan(first);
  }

  @Test
  void topPCutsAtTheTokenThatCrossesTheMass() {
    double[] p = {0.5, 0.3, 0.15, 0.05};
    Logits.topP(p, 0.75);
    assertThat(p).containsExactly(0.5, 0.3, 0, 0);
    double[] q = {0.5, 0.3, 0.15, 0.05};
    Logits.topP(q, 0.85);
    assertThat(q).containsExactly(0.5, 0.3, 0.15, 0);
    double[] ties = {0.4, 0.2, 0.2, 0.2};
    Logits.topP(ties, 0.5);
    assertThat(ties).as("ties at the cut are all kept").containsExactly(0.4, 0.2, 0.2, 0.2);
    double[] k = {0.1, 0.5, 0.3, 0.1};
    Logits.topK(k, 2);
    assertThat(k).containsExactly(0, 0.5, 0.3, 0);
  }

  @Test
  void sampledFrequenciesFollowTheFilteredDistribution() {
    FixedSampler sampler = new FixedSampler(1.0, 0, 0.75);
    Random rng = new Random(42);
    int[] counts = new int[4];
    for (int i = 0; i < 20_000; i++) counts[sampler.choose(SKEWED, rng).token()]++;
    assertThat(counts[2] + counts[3]).isZero();
    assertThat(counts[0] / 20_000.0).isCloseTo(0.5 / 0.8, within(0.02));
    // Temperature 0.5 squares the odds: 0.5^2 : 0.3^2 renormalized = 0.735.
    int zeros = 0;
    FixedSampler cold = new FixedSampler(0.5, 2, 1.0);
    for (int i = 0; i < 20_000; i++) if (cold.choose(SKEWED, rng).token() == 0) zeros++;
    assertThat(zeros / 20_000.0).isCloseTo(0.25 / 0.34, within(0.02));
  }

  @Test
  void greedyAndDeterminism() {
    assertThat(FixedSampler.greedy().choose(new float[] {1, 3, 3}, new Random(0)))
        .isEqualTo(new TokenChooser.Choice(1, 0, Logits.entropy(new float[] {1, 3, 3})));
    SamplingStrategy edt = SamplingConfig.defaults().withMode("edt-token").strategy();
    int[] a = draws(edt, Seeds.random(7, 2, 1234)),
        b = draws(edt, Seeds.random(7, 2, 1234)),
        c = draws(edt, Seeds.random(7, 2, 1235));
    assertThat(a).isEqualTo(b);
    assertThat(a).isNotEqualTo(c);
  }

  @Test
  void configValidation() {
    assertThatThrownBy(() -> new Edt(0.6, 0.1, 1.2, 0.95, false))
        .hasMessageContaining("n must be in (0, 1)");
    assertThatThrownBy(() -> new FixedSampler(0.5, 0, 0)).hasMessageContaining("top_p");
    assertThatThrownBy(() -> SamplingConfig.defaults().withMode("beam").strategy())
        .hasMessageContaining("greedy, fixed, edt-token or edt-instance");
    assertThat(SamplingConfig.defaults().strategy()).isEqualTo(new FixedSampler(0.5, 0, 0.95));
  }

  private static int[] draws(SamplingStrategy strategy, Random rng) {
    TokenChooser chooser = strategy.newRequest();
    return IntStream.range(0, 50).map(i -> chooser.choose(SKEWED, rng).token()).toArray();
  }
}
