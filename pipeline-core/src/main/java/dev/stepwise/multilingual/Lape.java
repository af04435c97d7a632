package dev.stepwise.multilingual;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LAPE (Tang et al. 2024), the baseline of docs/methods.md §E: entropy of p/Σp with no λ term;
 * neurons with no language above the τ percentile are dropped; the lowest {@code rate} share by
 * entropy is kept, and each kept neuron belongs to every language with p^k > τ.
 */
public final class Lape {
  private Lape() {}

  /**
   * @param neurons the kept neurons, by layer then index
   * @param byLanguage each language's neurons (a neuron may belong to several)
   */
  public record Result(double tau, List<Neuron> neurons, Map<String, List<Neuron>> byLanguage) {}

  public static Result identify(ActivationTable table, NeuronSettings settings) {
    double tau = table.threshold(settings.tauPercentile());
    double[] entropy = new double[table.size()];
    for (int f = 0; f < entropy.length; f++) {
      entropy[f] =
          table.languagesAbove(f, tau) == 0 ? Double.POSITIVE_INFINITY : table.normalizedEntropy(f);
    }
    boolean[] kept = NeuronClassifier.lowest(entropy, settings.selectedCount(table.size()));
    List<Neuron> neurons = new ArrayList<>();
    Map<String, List<Neuron>> byLanguage = new LinkedHashMap<>();
    table.languages().forEach(lang -> byLanguage.put(lang, new ArrayList<>()));
    for (int f = 0; f < kept.length; f++) {
      if (!kept[f]) continue;
      Neuron n = table.neuron(f);
      neurons.add(n);
      for (String lang : table.languagesOf(table.languagesAbove(f, tau)))
        byLanguage.get(lang).add(n);
    }
    return new Result(tau, neurons, byLanguage);
  }
}
