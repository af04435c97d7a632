package dev.stepwise.multilingual;

/**
 * A force-decoded sequence for neuron statistics: the prompt ids (chat template included) and the
 * response ids whose tokens are counted.
 */
public record ResponseSequence(int[] prompt, int[] response) {
  public ResponseSequence {
    if (prompt.length == 0)
      throw new IllegalArgumentException(
          "a prompt needs at least one token (e.g. the chat template's first)");
    if (response.length == 0)
      throw new IllegalArgumentException("a response needs at least one token to count");
  }
}
