package dev.stepwise.generate;

import java.util.Random;

/** Always the most likely token (first one on ties), at temperature 0. */
public final class Greedy implements TokenChooser {

  @Override
  public Choice choose(float[] logits, Random rng) {
    int best = 0;
    for (int i = 1; i < logits.length; i++) {
      if (logits[i] > logits[best]) best = i;
    }
    return new Choice(best, 0.0, LogMath.entropy(logits, 1.0));
  }
}
