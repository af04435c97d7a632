package dev.stepwise.generate;

/**
 * What one request produced.
 *
 * @param tokens every generated token, the EOS token included when there was one
 * @param text the decoded completion without EOS, cut before the stop string when one matched
 * @param logProbs log p of each token under the model's unscaled distribution (temperature 1)
 * @param temperatures temperature the chooser used for each token
 * @param entropies entropy (nats) the chooser reported for each token
 * @param finishReason why generation ended
 * @param stopString the stop string that ended it, or null
 */
public record Generation(
    int[] tokens,
    String text,
    float[] logProbs,
    float[] temperatures,
    float[] entropies,
    FinishReason finishReason,
    String stopString) {

  public enum FinishReason {
    /** An EOS token was generated. */
    EOS,
    /** The decoded text reached a stop string. */
    STOP_STRING,
    /** maxNewTokens (or the model's max_position_embeddings) was reached. */
    LENGTH
  }
}
