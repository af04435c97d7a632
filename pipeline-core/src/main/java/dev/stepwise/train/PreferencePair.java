package dev.stepwise.train;

/**
 * One step-wise preference pair, tokenized: the shared prefix (question and earlier steps), the
 * chosen and the rejected next step, and their log-probs under the frozen reference model.
 */
public record PreferencePair(
    int[] prefixIds,
    int[] chosenIds,
    int[] rejectedIds,
    double refChosenLogp,
    double refRejectedLogp) {

  public PreferencePair {
    if (!Double.isFinite(refChosenLogp) || !Double.isFinite(refRejectedLogp)) {
      throw new IllegalArgumentException(
          "reference log-probs must be finite (run the ref stage first), got "
              + refChosenLogp
              + ", "
              + refRejectedLogp);
    }
    if (prefixIds.length == 0 || chosenIds.length == 0 || rejectedIds.length == 0) {
      throw new IllegalArgumentException(
          "a preference pair needs a prefix, a chosen and a rejected step, all non-empty");
    }
  }
}
