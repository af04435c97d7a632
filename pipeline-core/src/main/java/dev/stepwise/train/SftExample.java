package dev.stepwise.train;

/** One SFT sequence: the completion is learned, the prompt only conditions it. */
public record SftExample(int[] promptIds, int[] completionIds) {
  public SftExample {
    if (promptIds.length == 0) {
      throw new IllegalArgumentException(
          "an SFT example needs at least one prompt token (BOS or text)");
    }
    if (completionIds.length == 0) {
      throw new IllegalArgumentException("an SFT example needs at least one completion token");
    }
  }
}
