package dev.stepwise.model;

import ai.djl.ndarray.NDArray;

/**
 * Sees every linear projection of the decoder layers (PEFT's module names: q_proj, k_proj, v_proj,
 * o_proj, gate_proj, up_proj, down_proj) and may change its output; LoRA adapters are one ({@link
 * dev.stepwise.model.lora.LoraAdapter}). The output head and embeddings do not pass here.
 */
public interface ProjectionHook {

  /**
   * The output of projection {@code module} of {@code layer}, given its input [..., in] and the
   * base weights' output [..., out], both in the model's compute dtype (F32 or F16); the result
   * must be in {@code output}'s dtype, whatever dtype the hook computes in, and every new array
   * must land in {@code input}'s manager (they are freed when the layer ends, unless they take part
   * in a gradient).
   */
  NDArray project(int layer, String module, NDArray input, NDArray output);
}
