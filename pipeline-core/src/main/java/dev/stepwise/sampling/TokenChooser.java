package dev.stepwise.sampling;

import java.util.Random;

/**
 * Decides how the next token is drawn at one position. Deterministic given the Random, which the
 * caller seeds per request from (run seed, round, item id). A chooser may keep per-request state
 * (instance-level EDT), so take a fresh one per request from {@link SamplingStrategy#newRequest()}.
 * It sees only the position's entropy: the generator applies the {@link Draw} to the logits of the
 * whole batch on the engine ({@link BatchSampler}); {@link #choose} applies it in Java, the
 * reference.
 */
public interface TokenChooser {
  /**
   * @param entropy entropy in nats of softmax(logits) at temperature 1, computed for the whole
   *     batch on the engine
   * @param rng the request's Random: one {@code nextDouble()} per sampled (non-greedy) token, none
   *     for greedy
   */
  Draw plan(double entropy, Random rng);

  /** The token {@link #plan} picks from {@code logits}, computed in Java (double). */
  default Choice choose(float[] logits, double entropy, Random rng) {
    Draw draw = plan(entropy, rng);
    return new Choice(Logits.sample(logits, draw), draw.temperature(), entropy);
  }

  /** As above, computing the entropy here. */
  default Choice choose(float[] logits, Random rng) {
    return choose(logits, Logits.entropy(logits), rng);
  }

  /**
   * One position's draw: softmax(logits / temperature), then top-k, then top-p (HF's order), then
   * the token where the cumulative kept mass, in token-id order, first exceeds {@code uniform}
   * times the kept mass (inverse CDF).
   *
   * @param temperature 0 = greedy (the lowest id among the highest logits)
   * @param topK 0 = off
   * @param topP 1 = off
   * @param uniform in [0, 1), drawn from the request's Random; unused when greedy
   */
  record Draw(double temperature, int topK, double topP, double uniform) {
    public boolean greedy() {
      return temperature <= 0;
    }

    /**
     * A draw at {@code temperature}: greedy takes nothing from {@code rng}, sampling takes one
     * double.
     */
    public static Draw of(double temperature, int topK, double topP, Random rng) {
      return new Draw(temperature, topK, topP, temperature > 0 ? rng.nextDouble() : 0);
    }
  }

  /**
   * @param temperature the temperature the token was drawn at (0 = greedy)
   * @param entropy entropy in nats of softmax(logits) at temperature 1, before any filtering
   */
  record Choice(int token, double temperature, double entropy) {}
}
