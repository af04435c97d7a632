package dev.stepwise.generate;

/** Numerically stable log-softmax helpers over one logits row (double accumulation). */
public final class LogMath {
  private LogMath() {}

  /** log Σ exp(logits / temperature). */
  public static double logSumExp(float[] logits, double temperature) {
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) max = Math.max(max, l / temperature);
    double sum = 0;
    for (float l : logits) sum += Math.exp(l / temperature - max);
    return max + Math.log(sum);
  }

  /** log p(token) under softmax(logits), the model's unscaled distribution. */
  public static double logProb(float[] logits, int token) {
    return logits[token] - logSumExp(logits, 1.0);
  }

  /** Entropy in nats of softmax(logits / temperature). */
  public static double entropy(float[] logits, double temperature) {
    double lse = logSumExp(logits, temperature);
    double h = 0;
    for (float l : logits) {
      double logp = l / temperature - lse;
      if (logp > -700) h -= Math.exp(logp) * logp;
    }
    return h;
  }
}
