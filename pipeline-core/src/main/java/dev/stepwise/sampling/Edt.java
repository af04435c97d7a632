package dev.stepwise.sampling;

import java.util.Random;

/**
 * EDT, entropy-based dynamic temperature sampling (Zhang et al. 2024, docs/methods.md §C): T = T0 ·
 * N^(θ / H), H the entropy in nats of the unscaled softmax. With N < 1 a confident (low-entropy)
 * position is cooled towards greedy and T0 is the ceiling reached as H grows. Below H = 1e-6 the
 * position is decoded greedily. The token is then drawn with top-p.
 *
 * @param t0 upper bound of the temperature (paper's suggestion 0.6)
 * @param theta how sharply confident tokens are cooled; 0 gives a fixed T0 (suggestion 0.1)
 * @param n base, fixed at 0.8 in the paper
 * @param topP nucleus mass after the temperature (0.95 in the paper)
 * @param instanceLevel false: recompute T at every token; true: take T from the first token's
 *     entropy and keep it for the whole request
 */
public record Edt(double t0, double theta, double n, double topP, boolean instanceLevel)
    implements SamplingStrategy {
  public static final double ENTROPY_FLOOR = 1e-6;

  public Edt {
    if (!(t0 > 0)) throw new IllegalArgumentException("EDT t0 must be > 0, got " + t0);
    if (!(theta >= 0)) throw new IllegalArgumentException("EDT theta must be >= 0, got " + theta);
    if (!(n > 0 && n < 1))
      throw new IllegalArgumentException(
          "EDT n must be in (0, 1) so confident tokens are cooled, got " + n);
    if (!(topP > 0 && topP <= 1))
      throw new IllegalArgumentException("EDT top_p must be in (0, 1], got " + topP);
  }

  /** T0 · N^(θ / H); 0 (greedy) when H is below the floor. */
  public double temperature(double entropy) {
    return entropy < ENTROPY_FLOOR ? 0 : t0 * Math.pow(n, theta / entropy);
  }

  @Override
  public TokenChooser newRequest() {
    return instanceLevel ? new InstanceLevel() : this::tokenLevel;
  }

  private TokenChooser.Draw tokenLevel(double h, Random rng) {
    return TokenChooser.Draw.of(temperature(h), 0, topP, rng);
  }

  /** Holds the request's temperature once the first token has fixed it. */
  private final class InstanceLevel implements TokenChooser {
    private double temperature = Double.NaN;

    @Override
    public Draw plan(double h, Random rng) {
      if (Double.isNaN(temperature)) temperature = temperature(h);
      return Draw.of(temperature, 0, topP, rng);
    }
  }
}
