package dev.stepwise.multilingual;

import java.util.Comparator;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Identifies language-specific, language-related and general neurons (docs/methods.md §E steps
 * 2–9), with the released code's score H(p′)/ln K − λ·max_k p^k / c, c = (Σ_{m=1..K} 1/m)/K, and λ
 * found by binary search.
 */
public final class NeuronClassifier {
  private NeuronClassifier() {}

  public static NeuronReport classify(
      Map<String, ActivationCounts> counts, NeuronSettings settings) {
    return classify(ActivationTable.of(counts), settings);
  }

  public static NeuronReport classify(ActivationTable table, NeuronSettings settings) {
    LayerStages stages = settings.stages(table.layers());
    double tau = table.threshold(settings.tauPercentile());
    int k = table.languageCount();
    long[] above = new long[table.size()];
    for (int f = 0; f < above.length; f++) above[f] = table.languagesAbove(f, tau);
    int count = settings.selectedCount(table.size());

    // Binary search for the largest λ whose selection has no N = K neuron; like the released code,
    // it assumes that condition holds for all λ below some point and fails above it.
    double lo = 0, hi = settings.lambdaMax();
    while (hi - lo > settings.lambdaTolerance()) {
      double mid = (lo + hi) / 2;
      if (selectsNoneAtK(lowest(scores(table, mid), count), above, k)) lo = mid;
      else hi = mid;
    }
    double[] scores = scores(table, lo);
    boolean[] selected = lowest(scores, count);
    NeuronType[] types = new NeuronType[table.size()];
    for (int f = 0; f < types.length; f++) types[f] = type(selected[f], Long.bitCount(above[f]), k);
    return new NeuronReport(
        table, lo, selectsNoneAtK(selected, above, k), tau, stages, scores, selected, above, types);
  }

  private static NeuronType type(boolean selected, int n, int k) {
    if (n == k) return NeuronType.GENERAL;
    if (!selected || n == 0) return NeuronType.NONE;
    return n == 1 ? NeuronType.SPECIFIC : NeuronType.RELATED;
  }

  /** score = H(p′)/ln K − λ·max_k p^k / c per flat neuron; lower is more language-bound. */
  static double[] scores(ActivationTable table, double lambda) {
    int k = table.languageCount();
    double harmonic = 0;
    for (int m = 1; m <= k; m++) harmonic += 1.0 / m;
    double c = harmonic / k;
    double lnK = Math.log(k);
    double[] scores = new double[table.size()];
    for (int f = 0; f < scores.length; f++)
      scores[f] = table.normalizedEntropy(f) / lnK - lambda * table.maxProbability(f) / c;
    return scores;
  }

  private static boolean selectsNoneAtK(boolean[] selected, long[] above, int k) {
    for (int f = 0; f < selected.length; f++)
      if (selected[f] && Long.bitCount(above[f]) == k) return false;
    return true;
  }

  /** The {@code count} lowest finite scores (ties: lower flat index first). */
  static boolean[] lowest(double[] scores, int count) {
    boolean[] chosen = new boolean[scores.length];
    IntStream.range(0, scores.length)
        .filter(f -> Double.isFinite(scores[f]))
        .boxed()
        .sorted(Comparator.<Integer>comparingDouble(f -> scores[f]).thenComparingInt(f -> f))
        .limit(count)
        .forEach(f -> chosen[f] = true);
    return chosen;
  }
}
