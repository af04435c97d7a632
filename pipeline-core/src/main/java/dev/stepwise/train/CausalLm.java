package dev.stepwise.train;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/** What training needs from a decoder: its named weights and next-token log-probs. */
public interface CausalLm {

  /** Trainable weights by HF tensor name; the trainer updates them in place. */
  Map<String, NDArray> parameters();

  /**
   * Log-probability of each next token, {@code out[b][t] = log p(ids[b][t+1] | ids[b][..t])}, shape
   * (B, T-1); differentiable when called inside a {@code GradientCollector}. Rows are
   * right-padded, so padding never precedes a real token and needs no attention mask.
   */
  NDArray nextTokenLogProbs(NDArray inputIds);
}
