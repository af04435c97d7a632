package dev.stepwise.multilingual;

import java.util.ArrayList;
import java.util.List;

/**
 * The classification of every neuron of one model (docs/methods.md §E): its score at the λ found,
 * whether it is among the selected lowest-score neurons, the languages with p^k > τ, and its type.
 */
public final class NeuronReport {
  private final ActivationTable table;
  private final double lambda;
  private final boolean lambdaSatisfied;
  private final double tau;
  private final LayerStages stages;
  private final double[] scores;
  private final boolean[] selected;
  private final long[] above;
  private final NeuronType[] types;

  NeuronReport(
      ActivationTable table,
      double lambda,
      boolean lambdaSatisfied,
      double tau,
      LayerStages stages,
      double[] scores,
      boolean[] selected,
      long[] above,
      NeuronType[] types) {
    this.table = table;
    this.lambda = lambda;
    this.lambdaSatisfied = lambdaSatisfied;
    this.tau = tau;
    this.stages = stages;
    this.scores = scores;
    this.selected = selected;
    this.above = above;
    this.types = types;
  }

  public ActivationTable table() {
    return table;
  }

  public List<String> languages() {
    return table.languages();
  }

  /**
   * The λ the search found (largest in [0, λmax] with no selected neuron at N = K, within
   * tolerance).
   */
  public double lambda() {
    return lambda;
  }

  /**
   * False when even λ = 0 selects a neuron with N = K; such neurons count as general, not selected
   * types.
   */
  public boolean lambdaSatisfied() {
    return lambdaSatisfied;
  }

  public double tau() {
    return tau;
  }

  public LayerStages stages() {
    return stages;
  }

  private int flat(Neuron n) {
    return table.flat(n);
  }

  public double score(Neuron n) {
    return scores[flat(n)];
  }

  public boolean selected(Neuron n) {
    return selected[flat(n)];
  }

  public NeuronType type(Neuron n) {
    return types[flat(n)];
  }

  /** N = #{k : p^k > τ}. */
  public int languagesAboveCount(Neuron n) {
    return Long.bitCount(above[flat(n)]);
  }

  /** The languages with p^k > τ. */
  public List<String> languagesAbove(Neuron n) {
    return table.languagesOf(above[flat(n)]);
  }

  /** Every neuron of the type, by layer then index. */
  public List<Neuron> neurons(NeuronType type) {
    List<Neuron> out = new ArrayList<>();
    for (int f = 0; f < types.length; f++) if (types[f] == type) out.add(table.neuron(f));
    return out;
  }

  /** The neurons of the type that belong to {@code lang} (p^lang > τ), by layer then index. */
  public List<Neuron> neurons(NeuronType type, String lang) {
    int k = table.languages().indexOf(lang);
    if (k < 0)
      throw new IllegalArgumentException(
          "language " + lang + " is not among the analyzed " + table.languages());
    List<Neuron> out = new ArrayList<>();
    for (int f = 0; f < types.length; f++)
      if (types[f] == type && (above[f] & (1L << k)) != 0) out.add(table.neuron(f));
    return out;
  }

  /** Neurons of the type in each layer (a related neuron counts once, whatever its languages). */
  public int[] perLayer(NeuronType type) {
    int[] counts = new int[table.layers()];
    for (int f = 0; f < types.length; f++) if (types[f] == type) counts[f / table.neurons()]++;
    return counts;
  }

  /** Neurons of the type in each of the four stages. */
  public int[] perStage(NeuronType type) {
    int[] perLayer = perLayer(type);
    int[] counts = new int[LayerStages.NAMES.size()];
    for (int layer = 0; layer < perLayer.length; layer++)
      counts[stages.stageOf(layer)] += perLayer[layer];
    return counts;
  }

  /**
   * Index N = 1..K: for N &lt; K the selected neurons with N languages above τ (specific at 1,
   * related above), for N = K the general neurons. Index 0 is unused (always 0).
   */
  public int[] countsByN() {
    int k = table.languageCount();
    int[] counts = new int[k + 1];
    for (int f = 0; f < types.length; f++) {
      if (types[f] == NeuronType.SPECIFIC
          || types[f] == NeuronType.RELATED
          || types[f] == NeuronType.GENERAL) counts[Long.bitCount(above[f])]++;
    }
    return counts;
  }
}
