package dev.stepwise.train;

import ai.djl.ndarray.NDArray;

/**
 * The SFT objective: mean negative log-likelihood over completion tokens only (prompt and
 * padding positions are masked out), so the model learns to answer, not to repeat prompts.
 */
public final class TokenNll {

  private TokenNll() {}

  /**
   * @param tokenLogProbs log-prob of each target token, shape (B, T)
   * @param completionMask 1 where the target token belongs to the completion, else 0, shape (B, T)
   */
  public static NDArray meanOverCompletion(NDArray tokenLogProbs, NDArray completionMask) {
    NDArray mask = completionMask.toType(tokenLogProbs.getDataType(), false);
    NDArray tokens = mask.sum().maximum(1f);
    return tokenLogProbs.mul(mask).sum().neg().div(tokens);
  }
}
