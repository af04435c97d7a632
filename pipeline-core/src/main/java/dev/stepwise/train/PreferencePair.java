package dev.stepwise.train;

/**
 * One step-wise preference pair, tokenized: the shared prefix (question and earlier steps),
 * the chosen and the rejected next step, and their log-probs under the frozen reference model.
 */
public record PreferencePair(
    int[] prefixIds, int[] chosenIds, int[] rejectedIds, double refChosenLogp, double refRejectedLogp) {

  public PreferencePair {
    if (!Double.isFinite(refChosenLogp) || !Double.isFinite(refRejectedLogp)) {
      throw new IllegalArgumentException(
          "reference log-probs must be finite (run the ref stage first), got "
              + refChosenLogp + ", " + refRejectedLogp);
    }
  }

  TokenBatch.Sequence chosen() {
    return new TokenBatch.Sequence(prefixIds, chosenIds);
  }

  TokenBatch.Sequence rejected() {
    return new TokenBatch.Sequence(prefixIds, rejectedIds);
  }
}
