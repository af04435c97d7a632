package dev.stepwise.multilingual;

import java.util.Arrays;

/**
 * Percentiles with numpy's default method ("linear"), so thresholds match {@code np.percentile}.
 */
public final class Percentile {
  private Percentile() {}

  /**
   * The q-th percentile (0..100) of {@code values}: sort ascending, h = (n−1)·q/100, and
   * interpolate between the values at floor(h) and floor(h)+1 (numpy's "linear", also {@code
   * torch.quantile}'s default).
   */
  public static double linear(double[] values, double q) {
    if (values.length == 0) throw new IllegalArgumentException("percentile of no values");
    if (!(q >= 0 && q <= 100))
      throw new IllegalArgumentException("percentile must be in [0, 100], got " + q);
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    double h = (sorted.length - 1) * q / 100.0;
    int lo = (int) Math.floor(h);
    if (lo >= sorted.length - 1) return sorted[sorted.length - 1];
    return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
  }
}
