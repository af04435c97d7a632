package dev.stepwise.model;

import ai.djl.ndarray.NDArray;

/**
 * Optional view into each layer's SwiGLU MLP, for language-neuron work (docs/methods.md §E): neuron
 * j of layer i is the j-th output of SiLU(x·W_gate). Pass {@code null} to a forward for none; the
 * default path then does no extra work.
 */
public interface MlpHook {

  /**
   * Sees the gate pre-activation x·W_gate of {@code layer}, shape [batch, time, intermediate]. The
   * array, and every array made in this call, is freed when the layer ends: copy what you need
   * (e.g. {@code gt(0)} counts) now, and {@code NDScope.unregister} an array to keep.
   */
  default void observeGate(int layer, NDArray gatePreActivation) {}

  /** Neurons of {@code layer} whose SiLU(gate) output is forced to 0, or {@code null} for none. */
  default int[] zeroedNeurons(int layer) {
    return null;
  }
}
