package dev.stepwise.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Map;

/** What training needs from a decoder: its named weights and completion log-probs. */
public interface CausalLm {

  /** Trainable weights by HF tensor name; the trainer updates them in place. */
  Map<String, NDArray> parameters();

  /**
   * Log-prob of every completion token given its prompt and the earlier completion tokens, shape
   * (B, longest completion), right-aligned with 0 in the padding columns; differentiable inside a
   * {@code GradientCollector}; every array it makes is owned by {@code scope}.
   */
  NDArray completionTokenLogProbs(NDManager scope, List<int[]> prompts, List<int[]> completions);

  /**
   * Completes a backward pass that {@code collector.backward(loss)} began, for models that
   * recompute activations (activation checkpointing); a no-op otherwise.
   */
  default void completeBackward(GradientCollector collector) {}

  /**
   * This model as the forward passes of one training micro-batch see it (their dropout masks);
   * models without randomness in training return themselves.
   */
  default CausalLm at(MicroBatch microBatch) {
    return this;
  }
}
