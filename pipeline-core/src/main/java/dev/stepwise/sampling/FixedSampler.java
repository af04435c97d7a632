package dev.stepwise.sampling;

import java.util.Random;

/**
 * Fixed-temperature sampling with optional top-k and top-p; temperature 0 is greedy decoding.
 * Stateless, so one instance serves every request.
 */
public record FixedSampler(double temperature, int topK, double topP)
    implements TokenChooser, SamplingStrategy {
  public FixedSampler {
    if (temperature < 0)
      throw new IllegalArgumentException(
          "temperature must be >= 0 (0 = greedy), got " + temperature);
    if (topK < 0) throw new IllegalArgumentException("top_k must be >= 0 (0 = off), got " + topK);
    if (!(topP > 0 && topP <= 1))
      throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
  }

  public static FixedSampler greedy() {
    return new FixedSampler(0, 0, 1);
  }

  @Override
  public Draw plan(double entropy, Random rng) {
    return Draw.of(temperature, topK, topP, rng);
  }

  @Override
  public TokenChooser newRequest() {
    return this;
  }
}
