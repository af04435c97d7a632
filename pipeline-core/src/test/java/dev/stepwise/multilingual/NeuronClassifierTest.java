package dev.stepwise.multilingual;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Classification on hand-made activation tables whose answers follow from the definitions. */
class NeuronClassifierTest {

  static final List<String> LANGS = List.of("a", "b", "c");
  static final int LAYERS = 4, NEURONS = 25;
  static final double TOL = 1e-3;
  // Where the crafted neurons sit: layer * NEURONS + index.
  static final Neuron A = new Neuron(0, 3),
      Z = new Neuron(1, 0),
      B = new Neuron(2, 7),
      G = new Neuron(3, 1),
      G2 = new Neuron(3, 2);

  /**
   * Fillers p = (0.1, 0.1, 0.1); A = (0.9, 0, 0) (specific to a); Z = (0.05, 0, 0) (low entropy,
   * but never above τ); B = (0.2, 0.2, 0.1) (related to a, b); G = (0.9, 0.9, 0.9) and G2 = (0.5,
   * 0.5, 0.5) (general). Of the 300 values, 286 are 0.1 and sit at sorted positions covering
   * 299·0.95 = 284.05, so τ = 0.1 exactly.
   */
  static double[][] table(Map<Neuron, double[]> overrides) {
    double[][] p = new double[LANGS.size()][LAYERS * NEURONS];
    for (double[] row : p) Arrays.fill(row, 0.1);
    Map<Neuron, double[]> crafted =
        new HashMap<>(
            Map.of(
                A,
                new double[] {0.9, 0, 0},
                Z,
                new double[] {0.05, 0, 0},
                B,
                new double[] {0.2, 0.2, 0.1},
                G,
                new double[] {0.9, 0.9, 0.9},
                G2,
                new double[] {0.5, 0.5, 0.5}));
    crafted.putAll(overrides);
    crafted.forEach(
        (n, values) -> {
          for (int k = 0; k < values.length; k++) p[k][n.layer() * NEURONS + n.index()] = values[k];
        });
    return p;
  }

  static NeuronReport classify(double[][] p) {
    NeuronSettings settings =
        new NeuronSettings(0.03, 95, 0.2, TOL, List.of()); // 3 of 100 neurons selected
    return NeuronClassifier.classify(
        ActivationTable.ofProbabilities(LANGS, LAYERS, NEURONS, p), settings);
  }

  static double normalizedEntropy(double... p) {
    double sum = Arrays.stream(p).sum(), h = 0;
    for (double v : p) if (v > 0) h -= v / sum * Math.log(v / sum);
    return h / Math.log(p.length);
  }

  @Test
  void percentileIsNumpysLinearInterpolation() {
    // np.percentile([1, 2, 3, 4], 95) == 3.85; np.percentile(range(10), 95) == 8.55
    assertThat(Percentile.linear(new double[] {4, 1, 3, 2}, 95)).isCloseTo(3.85, within(1e-12));
    assertThat(Percentile.linear(new double[] {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, 95))
        .isCloseTo(8.55, within(1e-12));
    assertThat(Percentile.linear(new double[] {5, 1, 3}, 0)).isEqualTo(1);
    assertThat(Percentile.linear(new double[] {5, 1, 3}, 100)).isEqualTo(5);
    assertThat(Percentile.linear(new double[] {0.7}, 95)).isEqualTo(0.7);
    assertThatThrownBy(() -> Percentile.linear(new double[] {1}, 101))
        .hasMessageContaining("[0, 100]");
  }

  @Test
  void tauIsThePercentileOfTheWholeTensorNotOfEachLanguage() {
    // a = 0, 0.1, ..., 0.9; b = all 0. Whole tensor (20 values): h = 19·0.95 = 18.05 between 0.8
    // and 0.9 -> 0.805.
    // Per language it would be 0.855 for a and 0 for b.
    double[][] p = new double[2][10];
    for (int j = 0; j < 10; j++) p[0][j] = j / 10.0;
    ActivationTable table = ActivationTable.ofProbabilities(List.of("a", "b"), 1, 10, p);
    assertThat(table.threshold(95)).isCloseTo(0.805, within(1e-12));
    // The classifier on 4 copies of the layer: 80 values, h = 79·0.95 = 75.05, again 0.805 (per
    // language: 0.9 and 0).
    NeuronReport report =
        NeuronClassifier.classify(
            ActivationTable.ofProbabilities(
                List.of("a", "b"), 4, 10, new double[][] {repeat(p[0], 4), repeat(p[1], 4)}),
            new NeuronSettings(0.1, 95, 0.2, TOL, List.of()));
    assertThat(report.tau()).isCloseTo(0.805, within(1e-12));
  }

  private static double[] repeat(double[] row, int times) {
    double[] out = new double[row.length * times];
    for (int t = 0; t < times; t++) System.arraycopy(row, 0, out, t * row.length, row.length);
    return out;
  }

  @Test
  void lambdaIsTheLargestThatKeepsGeneralNeuronsOutOfTheSelection() {
    NeuronReport report = classify(table(Map.of()));
    // B (entropy 0.9602) and G (entropy 1) swap places in the ranking where
    // H_B − λ·0.2/c = 1 − λ·0.9/c, c = (1 + 1/2 + 1/3)/3: above that λ, G (N = K) would be
    // selected.
    double c = (1 + 1 / 2.0 + 1 / 3.0) / 3;
    double crossing = (1 - normalizedEntropy(0.2, 0.2, 0.1)) * c / (0.9 - 0.2);
    assertThat(crossing).isBetween(0.03, 0.04);
    assertThat(report.lambda()).isBetween(crossing - TOL, crossing);
    assertThat(report.lambdaSatisfied()).isTrue();
    assertThat(report.tau()).isEqualTo(0.1);
    // The score is the code's form at the λ found.
    assertThat(report.score(B))
        .isCloseTo(normalizedEntropy(0.2, 0.2, 0.1) - report.lambda() * 0.2 / c, within(1e-12));
    assertThat(report.score(A)).isCloseTo(-report.lambda() * 0.9 / c, within(1e-12));
    // Just above the crossing the selection would hold G instead of B.
    boolean[] above =
        NeuronClassifier.lowest(NeuronClassifier.scores(report.table(), crossing + TOL), 3);
    assertThat(above[G.layer() * NEURONS + G.index()]).isTrue();
    assertThat(above[B.layer() * NEURONS + B.index()]).isFalse();
  }

  @Test
  void neuronsAreClassifiedByHowManyLanguagesExceedTau() {
    NeuronReport report = classify(table(Map.of()));
    assertThat(List.of(A, Z, B)).allSatisfy(n -> assertThat(report.selected(n)).isTrue());
    assertThat(report.neurons(NeuronType.SPECIFIC)).containsExactly(A);
    assertThat(report.neurons(NeuronType.SPECIFIC, "a")).containsExactly(A);
    assertThat(report.neurons(NeuronType.SPECIFIC, "b")).isEmpty();
    assertThat(report.neurons(NeuronType.RELATED)).containsExactly(B);
    assertThat(report.neurons(NeuronType.RELATED, "b")).containsExactly(B);
    assertThat(report.neurons(NeuronType.RELATED, "c")).isEmpty();
    assertThat(report.languagesAbove(B)).containsExactly("a", "b");
    // Z is selected but no language exceeds τ: N = 0, ignored.
    assertThat(report.languagesAboveCount(Z)).isZero();
    assertThat(report.type(Z)).isEqualTo(NeuronType.NONE);
    // General neurons come from all neurons: G2 is never selected, yet N = K.
    assertThat(report.selected(G2)).isFalse();
    assertThat(report.neurons(NeuronType.GENERAL)).containsExactly(G, G2);
    assertThat(report.perLayer(NeuronType.SPECIFIC)).containsExactly(1, 0, 0, 0);
    assertThat(report.perLayer(NeuronType.RELATED)).containsExactly(0, 0, 1, 0);
    assertThat(report.perLayer(NeuronType.GENERAL)).containsExactly(0, 0, 0, 2);
    assertThat(report.countsByN()).containsExactly(0, 1, 1, 2);
    // 4 layers: the scaled default stages are layers 0, 1, 2 and 3.
    assertThat(report.stages().starts()).containsExactly(0, 1, 2, 3);
    assertThat(report.perStage(NeuronType.GENERAL)).containsExactly(0, 0, 0, 2);
    assertThatThrownBy(() -> report.neurons(NeuronType.SPECIFIC, "zz"))
        .hasMessageContaining("not among the analyzed [a, b, c]");
  }

  @Test
  void lapeKeepsLowestEntropyNeuronsWithALanguageAboveTauAndAssignsEveryLanguageAboveIt() {
    ActivationTable table =
        ActivationTable.ofProbabilities(LANGS, LAYERS, NEURONS, table(Map.of()));
    Lape.Result lape = Lape.identify(table, new NeuronSettings(0.03, 95, 0.2, TOL, List.of()));
    // Entropies: A 0 < B 1.055 < G = G2 = ln 3 (G first by position); Z and the fillers have no p
    // above τ = 0.1.
    assertThat(lape.tau()).isEqualTo(0.1);
    assertThat(lape.neurons()).containsExactly(A, B, G);
    assertThat(lape.byLanguage())
        .containsExactly(
            Map.entry("a", List.of(A, B, G)),
            Map.entry("b", List.of(B, G)),
            Map.entry("c", List.of(G)));
  }

  @Test
  void comparisonCountsPerLayerAndPerNChangesAndOverlapsOverTheBeforeSet() {
    NeuronReport before = classify(table(Map.of()));
    // After: A turns specific to b, B related to a and c (same entropies, so the same λ), G2 stops
    // being general.
    NeuronReport after =
        classify(
            table(
                Map.of(
                    A,
                    new double[] {0, 0.9, 0},
                    B,
                    new double[] {0.2, 0.1, 0.2},
                    G2,
                    new double[] {0.05, 0.05, 0.05})));
    NeuronComparison.Result diff = NeuronComparison.compare(before, after);
    assertThat(diff.perLayerDelta().get(NeuronType.GENERAL)).containsExactly(0, 0, 0, -1);
    assertThat(diff.perLayerDelta().get(NeuronType.SPECIFIC)).containsExactly(0, 0, 0, 0);
    assertThat(diff.countsByNDelta()).containsExactly(0, 0, 0, -1);
    assertThat(diff.specificOverlap()).isEqualTo(0.0); // {(a, A)} vs {(b, A)}
    assertThat(diff.relatedOverlap()).isEqualTo(0.5); // {(a, B), (b, B)} vs {(a, B), (c, B)}
    assertThat(NeuronComparison.overlap(Set.of(1, 2, 3, 4), Set.of(2, 4, 5))).isEqualTo(0.5);
    assertThat(NeuronComparison.overlap(Set.of(), Set.of(1))).isNaN();
  }

  @Test
  void badTablesAndSettingsFailWithTheKeyToFix() {
    assertThatThrownBy(
            () -> ActivationTable.ofProbabilities(List.of("a"), 1, 2, new double[][] {{0.1, 0.2}}))
        .hasMessageContaining("at least 2 languages");
    assertThatThrownBy(
            () ->
                ActivationTable.ofProbabilities(
                    List.of("a", "b"), 1, 2, new double[][] {{0.1, 0.2}, {0.1, 1.5}}))
        .hasMessageContaining("b: activation probability 1.5 is outside [0, 1]");
    assertThatThrownBy(() -> new NeuronSettings(0, 95, 0.2, TOL, List.of()))
        .hasMessageContaining("neurons.rate");
    assertThatThrownBy(() -> new LayerStages(List.of(0, 8, 8, 31), 32))
        .hasMessageContaining("strictly increasing");
    assertThatThrownBy(() -> LayerStages.scaledDefault(3))
        .hasMessageContaining("set neurons.stages explicitly");
    assertThat(LayerStages.scaledDefault(32).starts()).containsExactly(0, 8, 20, 31);
    assertThat(LayerStages.scaledDefault(28).starts()).containsExactly(0, 7, 17, 27);
    assertThat(LayerStages.scaledDefault(32).stageOf(19)).isEqualTo(1);
    assertThat(LayerStages.scaledDefault(32).stageOf(30)).isEqualTo(2);
  }
}
