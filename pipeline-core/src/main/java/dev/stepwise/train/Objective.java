package dev.stepwise.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;

/** A training loss over micro-batches of examples of type {@code E}. */
public interface Objective<E> {

  /** The loss (scalar, differentiable) and the metrics of one micro-batch. */
  Step compute(NDManager manager, CausalLm model, List<E> batch);

  record Step(NDArray loss, Map<String, Double> metrics) {}
}
