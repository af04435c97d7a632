package dev.stepwise.multilingual;

import java.io.Serializable;
import java.util.Arrays;

/**
 * How often each MLP neuron was active on one language's response tokens (docs/methods.md §E step
 * 2): {@code active(i, j)} response tokens had gate pre-activation x·W_gate > 0 in layer i, neuron
 * j, out of {@link #tokens()} response tokens. Partial counts from different executors or batches
 * {@link #merge} by addition, so a Spark job aggregates [layers × neurons] longs, never tokens.
 */
public final class ActivationCounts implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String lang;
  private final int layers;
  private final int neurons;

  /** Row-major [layers][neurons]. */
  private final long[] active;

  private final long tokens;

  public ActivationCounts(String lang, int layers, int neurons, long[] active, long tokens) {
    if (layers <= 0 || neurons <= 0)
      throw new IllegalArgumentException(
          "layers and neurons must be positive, got " + layers + " x " + neurons);
    if (active.length != (long) layers * neurons) {
      throw new IllegalArgumentException(
          lang
              + ": "
              + active.length
              + " counts for "
              + layers
              + " layers x "
              + neurons
              + " neurons");
    }
    if (tokens < 0) throw new IllegalArgumentException(lang + ": negative token count " + tokens);
    for (long a : active) {
      if (a < 0 || a > tokens)
        throw new IllegalArgumentException(
            lang + ": an active count " + a + " is outside 0.." + tokens);
    }
    this.lang = lang;
    this.layers = layers;
    this.neurons = neurons;
    this.active = active.clone();
    this.tokens = tokens;
  }

  /** No tokens seen yet: the identity of {@link #merge}. */
  public static ActivationCounts empty(String lang, int layers, int neurons) {
    return new ActivationCounts(lang, layers, neurons, new long[layers * neurons], 0);
  }

  public String lang() {
    return lang;
  }

  public int layers() {
    return layers;
  }

  public int neurons() {
    return neurons;
  }

  /** Response tokens counted. */
  public long tokens() {
    return tokens;
  }

  /** Response tokens on which neuron {@code neuron} of {@code layer} was active. */
  public long active(int layer, int neuron) {
    return active[layer * neurons + neuron];
  }

  /** All counts, row-major [layers][neurons] (a copy). */
  public long[] activeCounts() {
    return active.clone();
  }

  /** p_{i,j} = active / tokens, row-major; fails when no tokens were counted. */
  public double[] probabilities() {
    if (tokens == 0)
      throw new IllegalStateException(
          lang + ": no response tokens were counted, so activation probabilities are undefined");
    double[] p = new double[active.length];
    for (int i = 0; i < p.length; i++) p[i] = active[i] / (double) tokens;
    return p;
  }

  /** The sum of both counts; same language and shape required. */
  public ActivationCounts merge(ActivationCounts other) {
    if (!lang.equals(other.lang))
      throw new IllegalArgumentException(
          "cannot merge counts of " + lang + " with counts of " + other.lang);
    if (layers != other.layers || neurons != other.neurons) {
      throw new IllegalArgumentException(
          lang
              + ": cannot merge "
              + layers
              + "x"
              + neurons
              + " counts with "
              + other.layers
              + "x"
              + other.neurons
              + " counts; they come from different models");
    }
    long[] sum = new long[active.length];
    for (int i = 0; i < sum.length; i++) sum[i] = active[i] + other.active[i];
    return new ActivationCounts(lang, layers, neurons, sum, tokens + other.tokens);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ActivationCounts c
        && lang.equals(c.lang)
        && layers == c.layers
        && neurons == c.neurons
        && tokens == c.tokens
        && Arrays.equals(active, c.active);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * lang.hashCode() + Long.hashCode(tokens)) + Arrays.hashCode(active);
  }

  @Override
  public String toString() {
    return "ActivationCounts[" + lang + ", " + layers + "x" + neurons + ", tokens=" + tokens + "]";
  }
}
