package dev.stepwise.sampling;

import java.util.Arrays;

/**
 * Distribution math on one position's logits, in double (float log-softmax loses the small
 * probabilities that entropy and top-p depend on). Ties keep the lower token id (greedy) or all
 * tied tokens (top-k/top-p cut-offs), so results never depend on sort stability.
 */
public final class Logits {
  private Logits() {}

  /** The token with the highest logit; the lowest id among equals. */
  public static int argmax(float[] logits) {
    int best = 0;
    for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }

  /** Entropy in nats of softmax(logits) at temperature 1. */
  public static double entropy(float[] logits) {
    double max = max(logits), sum = 0;
    for (float z : logits) sum += Math.exp(z - max);
    double logSum = Math.log(sum), h = 0;
    for (float z : logits) {
      double logP = z - max - logSum;
      if (logP > Double.NEGATIVE_INFINITY) h -= Math.exp(logP) * logP;
    }
    return h;
  }

  /** log p(token) under softmax(logits), the model's unscaled distribution. */
  public static double logProb(float[] logits, int token) {
    double max = max(logits), sum = 0;
    for (float z : logits) sum += Math.exp(z - max);
    return logits[token] - max - Math.log(sum);
  }

  /** softmax(logits / temperature) in double; temperature must be > 0. */
  public static double[] softmax(float[] logits, double temperature) {
    double max = max(logits), sum = 0;
    double[] p = new double[logits.length];
    for (int i = 0; i < p.length; i++) sum += p[i] = Math.exp((logits[i] - max) / temperature);
    for (int i = 0; i < p.length; i++) p[i] /= sum;
    return p;
  }

  /**
   * Zeroes all but the k most probable tokens (ties at the k-th value are kept); k <= 0 keeps all.
   */
  public static void topK(double[] p, int k) {
    if (k <= 0 || k >= p.length) return;
    double[] sorted = p.clone();
    Arrays.sort(sorted);
    double threshold = sorted[sorted.length - k];
    for (int i = 0; i < p.length; i++) if (p[i] < threshold) p[i] = 0;
  }

  /**
   * Nucleus filter (Holtzman et al. 2020): keeps the most probable tokens until their mass reaches
   * topP of the remaining mass (the token that crosses it is kept; so are its ties).
   */
  public static void topP(double[] p, double topP) {
    if (topP >= 1) return;
    double[] sorted = p.clone();
    Arrays.sort(sorted);
    double total = 0;
    for (double v : sorted) total += v;
    double mass = 0, threshold = sorted[sorted.length - 1];
    for (int i = sorted.length - 1; i >= 0; i--) {
      mass += sorted[i];
      threshold = sorted[i];
      if (mass >= topP * total) break;
    }
    for (int i = 0; i < p.length; i++) if (p[i] < threshold) p[i] = 0;
  }

  /**
   * Draws a token in proportion to the (unnormalized, non-negative) weights, by inverse CDF at
   * {@code uniform} in [0, 1).
   */
  public static int draw(double[] weights, double uniform) {
    double total = 0;
    for (double w : weights) total += w;
    double u = uniform * total, acc = 0;
    int last = -1;
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] <= 0) continue;
      acc += weights[i];
      last = i;
      if (u < acc) return i;
    }
    return last;
  }

  /**
   * Temperature, then top-k, then top-p (HF's order), then the draw at its uniform; temperature 0
   * is greedy.
   */
  public static int sample(float[] logits, TokenChooser.Draw draw) {
    if (draw.greedy()) return argmax(logits);
    double[] p = softmax(logits, draw.temperature());
    topK(p, draw.topK());
    topP(p, draw.topP());
    return draw(p, draw.uniform());
  }

  private static double max(float[] logits) {
    if (logits.length == 0) throw new IllegalArgumentException("empty logits");
    double max = Double.NEGATIVE_INFINITY;
    for (float z : logits) max = Math.max(max, z);
    return max;
  }
}
