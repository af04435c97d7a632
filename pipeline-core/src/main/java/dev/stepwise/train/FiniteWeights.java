package dev.stepwise.train;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * Whether a set of weights is all finite. One diverged update (a learning rate far too high) turns
 * weights into infinities and NaNs while the loss that produced it was still finite, so the trainer
 * checks the weights after every update, and nothing non-finite is ever saved, published or resumed
 * from.
 */
public final class FiniteWeights {

  private FiniteWeights() {}

  /**
   * The first weight (in map order) with a NaN or infinite element, or null when all are finite.
   */
  public static String firstNonFinite(Map<String, NDArray> weights) {
    for (Map.Entry<String, NDArray> e : weights.entrySet()) {
      // max |w| is NaN when any element is NaN (torch's max propagates NaN) and infinite when any
      // is.
      try (NDArray abs = e.getValue().abs();
          NDArray max = abs.max()) {
        if (!Float.isFinite(max.getFloat())) {
          return e.getKey();
        }
      }
    }
    return null;
  }
}
