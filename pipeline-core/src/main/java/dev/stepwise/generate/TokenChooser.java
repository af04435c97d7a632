package dev.stepwise.generate;

import java.util.Random;

/**
 * Picks the next token from one row of logits. Implementations (greedy, temperature, top-p, EDT)
 * draw only from the per-request {@code rng}, so a request gives the same tokens alone or in any batch.
 */
public interface TokenChooser {

  /**
   * @param logits the model's unscaled logits for one request at one step (do not keep a reference)
   * @param rng    the request's own random source
   */
  Choice choose(float[] logits, Random rng);

  /**
   * @param token       chosen token id
   * @param temperature temperature actually used for this token (0 for greedy)
   * @param entropy     entropy (nats) of the distribution the choice was based on
   */
  record Choice(int token, double temperature, double entropy) {}
}
