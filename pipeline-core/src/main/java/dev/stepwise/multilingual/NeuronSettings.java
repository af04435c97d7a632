package dev.stepwise.multilingual;

import java.util.List;

/**
 * Classification settings (config keys {@code neurons.*}).
 *
 * @param rate share of all layer×neuron pairs selected by lowest score ({@code neurons.rate}, 0.01)
 * @param tauPercentile percentile of all activation probabilities that is τ ({@code
 *     neurons.tau_percentile}, 95)
 * @param lambdaMax upper end of the λ search ({@code neurons.lambda_max}, 0.2)
 * @param lambdaTolerance the search stops when the interval is this narrow ({@code
 *     neurons.lambda_tol}, 1e-3)
 * @param stageStarts first layer of each of the four stages; empty = the 32-layer default scaled
 *     ({@code neurons.stages})
 */
public record NeuronSettings(
    double rate,
    double tauPercentile,
    double lambdaMax,
    double lambdaTolerance,
    List<Integer> stageStarts) {
  public NeuronSettings {
    if (!(rate > 0 && rate <= 1))
      throw new IllegalArgumentException("neurons.rate must be in (0, 1], got " + rate);
    if (!(tauPercentile >= 0 && tauPercentile <= 100))
      throw new IllegalArgumentException(
          "neurons.tau_percentile must be in [0, 100], got " + tauPercentile);
    if (!(lambdaMax >= 0))
      throw new IllegalArgumentException("neurons.lambda_max must be >= 0, got " + lambdaMax);
    if (!(lambdaTolerance > 0))
      throw new IllegalArgumentException("neurons.lambda_tol must be > 0, got " + lambdaTolerance);
    stageStarts = List.copyOf(stageStarts);
  }

  public static NeuronSettings defaults() {
    return new NeuronSettings(0.01, 95, 0.2, 1e-3, List.of());
  }

  /**
   * How many of {@code total} neurons the rate selects: round(rate · total), as the released code
   * rounds.
   */
  public int selectedCount(int total) {
    return (int) Math.round(rate * total);
  }

  public LayerStages stages(int layers) {
    return stageStarts.isEmpty()
        ? LayerStages.scaledDefault(layers)
        : new LayerStages(stageStarts, layers);
  }
}
