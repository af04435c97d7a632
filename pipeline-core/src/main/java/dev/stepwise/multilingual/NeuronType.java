package dev.stepwise.multilingual;

import java.util.Locale;

/**
 * The class of a neuron (docs/methods.md §E steps 7 and 9), with N = #{k : p^k > τ} of K languages.
 */
public enum NeuronType {
  /** Selected, N = 1: active above τ for one language only. */
  SPECIFIC,
  /** Selected, 1 &lt; N &lt; K: shared by some but not all languages. */
  RELATED,
  /**
   * Any neuron with N = K (the DEFAULT reading of the paper: over all neurons, selected or not).
   */
  GENERAL,
  /** None of the above (not selected with 0 &lt; N &lt; K, or N = 0). */
  NONE;

  /** The name the neuron_stats dataset uses ("specific", ...). */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
