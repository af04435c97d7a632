package dev.stepwise.multilingual;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Activation probabilities p^k_{i,j} of every language k, layer i and neuron j: the input of the
 * classification. Neurons are addressed by a flat index {@code layer * neurons + neuron}.
 */
public final class ActivationTable {
  private final List<String> languages;
  private final int layers;
  private final int neurons;

  /** [language][flat neuron]. */
  private final double[][] p;

  private ActivationTable(List<String> languages, int layers, int neurons, double[][] p) {
    if (languages.size() < 2)
      throw new IllegalArgumentException(
          "language neurons need at least 2 languages, got " + languages);
    if (languages.size() > 63)
      throw new IllegalArgumentException(
          "at most 63 languages are supported, got " + languages.size());
    if (languages.stream().distinct().count() != languages.size())
      throw new IllegalArgumentException("languages repeat: " + languages);
    if (p.length != languages.size())
      throw new IllegalArgumentException(p.length + " probability rows for languages " + languages);
    for (int k = 0; k < p.length; k++) {
      if (p[k].length != layers * neurons) {
        throw new IllegalArgumentException(
            languages.get(k)
                + ": "
                + p[k].length
                + " probabilities for "
                + layers
                + " x "
                + neurons
                + " neurons");
      }
      for (double v : p[k]) {
        if (!(v >= 0 && v <= 1))
          throw new IllegalArgumentException(
              languages.get(k) + ": activation probability " + v + " is outside [0, 1]");
      }
    }
    this.languages = List.copyOf(languages);
    this.layers = layers;
    this.neurons = neurons;
    this.p = p;
  }

  /**
   * From recorded counts, languages in the map's iteration order (use a LinkedHashMap or TreeMap).
   */
  public static ActivationTable of(Map<String, ActivationCounts> counts) {
    List<String> languages = new ArrayList<>();
    double[][] p = new double[counts.size()][];
    int layers = -1, neurons = -1, k = 0;
    for (Map.Entry<String, ActivationCounts> e : counts.entrySet()) {
      ActivationCounts c = e.getValue();
      if (!c.lang().equals(e.getKey()))
        throw new IllegalArgumentException(
            "counts of " + c.lang() + " filed under language " + e.getKey());
      if (layers >= 0 && (c.layers() != layers || c.neurons() != neurons)) {
        throw new IllegalArgumentException(
            c.lang()
                + " has "
                + c.layers()
                + "x"
                + c.neurons()
                + " counts, "
                + languages.get(0)
                + " has "
                + layers
                + "x"
                + neurons
                + "; all languages must come from the same model");
      }
      layers = c.layers();
      neurons = c.neurons();
      languages.add(c.lang());
      p[k++] = c.probabilities();
    }
    return new ActivationTable(languages, layers, neurons, p);
  }

  /** From probabilities given directly, [language][layer * neurons + neuron]. */
  public static ActivationTable ofProbabilities(
      List<String> languages, int layers, int neurons, double[][] p) {
    double[][] copy = new double[p.length][];
    for (int k = 0; k < p.length; k++) copy[k] = p[k].clone();
    return new ActivationTable(languages, layers, neurons, copy);
  }

  public List<String> languages() {
    return languages;
  }

  public int languageCount() {
    return languages.size();
  }

  public int layers() {
    return layers;
  }

  public int neurons() {
    return neurons;
  }

  /** layers × neurons. */
  public int size() {
    return layers * neurons;
  }

  /** The neuron at a flat index. */
  public Neuron neuron(int flat) {
    return new Neuron(flat / neurons, flat % neurons);
  }

  /** The flat index of a neuron, checked against the shape. */
  public int flat(Neuron n) {
    if (n.layer() < 0 || n.layer() >= layers || n.index() < 0 || n.index() >= neurons) {
      throw new IllegalArgumentException(
          n + " is outside " + layers + " layers x " + neurons + " neurons");
    }
    return n.layer() * neurons + n.index();
  }

  /** p^k of the neuron at flat index {@code flat}. */
  public double p(int language, int flat) {
    return p[language][flat];
  }

  /** Every probability over layers × neurons × languages, for the percentile threshold. */
  public double[] all() {
    double[] out = new double[p.length * size()];
    for (int k = 0; k < p.length; k++) System.arraycopy(p[k], 0, out, k * size(), size());
    return out;
  }

  /**
   * τ: the given percentile over the whole tensor, not per language (docs/methods.md §E step 6).
   */
  public double threshold(double percentile) {
    return Percentile.linear(all(), percentile);
  }

  /** Bit k set when p^k > τ. */
  public long languagesAbove(int flat, double tau) {
    long mask = 0;
    for (int k = 0; k < p.length; k++) if (p[k][flat] > tau) mask |= 1L << k;
    return mask;
  }

  /** The language codes of a bit mask from {@link #languagesAbove}. */
  public List<String> languagesOf(long mask) {
    List<String> out = new ArrayList<>();
    for (int k = 0; k < languages.size(); k++)
      if ((mask & (1L << k)) != 0) out.add(languages.get(k));
    return out;
  }

  /**
   * Entropy (nats) over languages of p^k normalized to sum 1; uniform (ln K) when all p^k are 0.
   */
  public double normalizedEntropy(int flat) {
    double sum = 0;
    for (double[] row : p) sum += row[flat];
    if (sum == 0) return Math.log(p.length);
    double h = 0;
    for (double[] row : p) {
      double q = row[flat] / sum;
      if (q > 0) h -= q * Math.log(q);
    }
    return h;
  }

  /** max_k p^k. */
  public double maxProbability(int flat) {
    double max = 0;
    for (double[] row : p) max = Math.max(max, row[flat]);
    return max;
  }
}
