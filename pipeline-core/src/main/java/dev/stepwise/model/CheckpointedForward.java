package dev.stepwise.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;

/**
 * Activation checkpointing per layer: a forward pass that keeps only each decoder layer's input
 * (batch x time x hidden), and a backward pass that recomputes one layer at a time from it.
 *
 * <p>Training otherwise keeps every layer's activations (attention scores included) until the
 * backward pass, which at a real model's size is most of a training step's memory. Here the layers
 * run with autograd off; the graph starts at the last layer's output, a leaf, so the caller's
 * backward stops there, and {@link #backward} then walks the layers from the top: it recomputes
 * layer i under autograd from its saved input and back-propagates the gradient that arrived at its
 * output, which yields the layer's weight gradients and the gradient at its input for layer i-1.
 * The recomputation does the same arithmetic as the first pass, so the gradients are those of the
 * plain forward (CheckpointedForwardTest). Cost: one more forward pass per step.
 *
 * <p>Under one GradientCollector:
 *
 * <pre>{@code
 * CheckpointedForward f = CheckpointedForward.run(model, ids, padding, model.projectionHook());
 * NDArray loss = lossOf(model.logits(f.hidden()));
 * collector.backward(loss);
 * f.backward(collector);
 * }</pre>
 */
public final class CheckpointedForward {

  private final LlamaModel model;
  private final NDArray inputIds;
  private final NDArray[] rope;
  private final NDArray mask;

  /** What the layers' projections went through; the recomputation goes through it again. */
  private final ProjectionHook projections;

  /** inputs.get(i) is layer i's input; the last entry is the top layer's output (a leaf). */
  private final List<NDArray> inputs;

  private final NDArray hidden;

  private CheckpointedForward(
      LlamaModel model,
      NDArray inputIds,
      NDArray[] rope,
      NDArray mask,
      ProjectionHook projections,
      List<NDArray> inputs) {
    this.model = model;
    this.projections = projections;
    this.inputIds = inputIds;
    this.rope = rope;
    this.mask = mask;
    this.inputs = inputs;
    NDArray top = inputs.get(inputs.size() - 1);
    top.setRequiresGradient(true);
    this.hidden = model.finalNorm(top);
  }

  /**
   * Runs the layers over left-padded {@code inputIds} (as {@link LlamaModel#hidden(NDArray, int[],
   * ProjectionHook)}) keeping only their inputs; every array lands in the manager of {@code
   * inputIds}. The backward pass's recomputation goes through the same {@code projections}, so a
   * training micro-batch's LoRA dropout drops the same elements again.
   */
  public static CheckpointedForward run(
      LlamaModel model, NDArray inputIds, int[] padding, ProjectionHook projections) {
    NDManager scope = inputIds.getManager();
    int time = (int) inputIds.getShape().get(1);
    NDArray[] rope = model.rotaryCosSin(scope, padding, 0, time);
    NDArray mask = LlamaModel.attentionMask(scope, padding, 0, time);
    List<NDArray> inputs = new ArrayList<>();
    boolean recording = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      NDArray x = model.embed(inputIds);
      inputs.add(x);
      for (int i = 0; i < model.numLayers(); i++) {
        try (NDScope layerScope = new NDScope()) {
          x = model.layer(i, x, rope, mask, null, null, projections);
          NDScope.unregister(x);
        }
        inputs.add(x);
      }
    } finally {
      JniUtils.setGradMode(recording);
    }
    return new CheckpointedForward(model, inputIds, rope, mask, projections, inputs);
  }

  /** The final-norm hidden states [batch, time, hidden], differentiable down to the top layer. */
  public NDArray hidden() {
    return hidden;
  }

  /**
   * Completes the backward pass below the top layer, after {@code collector.backward(loss)} has
   * reached it: the weight gradients of every layer (and of the embeddings, when they train)
   * accumulate into the parameters' gradients.
   */
  public void backward(GradientCollector collector) {
    int layers = model.numLayers();
    NDArray gradient = inputs.get(layers).getGradient();
    for (int i = layers - 1; i >= 0; i--) {
      NDArray input = inputs.get(i);
      boolean needInputGradient = i > 0 || model.embeddingsTrain();
      NDArray inputGradient = null;
      try (NDScope layerScope = new NDScope()) {
        if (needInputGradient) input.setRequiresGradient(true);
        NDArray output = model.layer(i, input, rope, mask, null, null, projections);
        collector.backward(output.mul(gradient).sum());
        if (needInputGradient) {
          inputGradient = input.getGradient();
          NDScope.unregister(inputGradient);
        }
      }
      gradient.close();
      if (inputGradient == null) return;
      gradient = inputGradient;
    }
    try (NDScope embeddingScope = new NDScope()) {
      collector.backward(model.embed(inputIds).mul(gradient).sum());
    } finally {
      gradient.close();
    }
  }
}
