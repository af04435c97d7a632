package dev.stepwise.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * Log-probabilities of completions given prompts, batched: the reference log-probs of DPO and
 * {@code model score} use {@link #score}; the DPO trainer calls {@link #tokenLogProbs} inside a
 * GradientCollector to get differentiable policy log-probs.
 *
 * <p>The vocabulary-sized logits are never made for the whole batch at once: the head, log-softmax
 * and gather run over blocks of completion positions, and each block's logits are freed before the
 * next, so scoring holds one block's logits (at most {@link #DEFAULT_BLOCK_ELEMENTS} floats) and
 * training keeps only what autograd saves for the backward pass: one F32 log-softmax of the
 * completion positions (where the whole-batch version held the logits and their log-softmax).
 */
public final class CompletionScorer {

  /** Per completion token log p(token | prompt, earlier completion tokens), and their sum. */
  public record Scored(float[] tokenLogProbs, double sum) {}

  /** Logit elements (batch x positions x vocabulary) per block: 128 MB as F32. */
  static final int DEFAULT_BLOCK_ELEMENTS = 1 << 25;

  private final LlamaModel model;
  private final int blockElements;

  public CompletionScorer(LlamaModel model) {
    this(model, DEFAULT_BLOCK_ELEMENTS);
  }

  CompletionScorer(LlamaModel model, int blockElements) {
    this.model = model;
    this.blockElements = blockElements;
  }

  /**
   * Per-token log-probs [batch, maxCompletion], right-aligned: row b's completion tokens are its
   * last {@code completions.get(b).length} columns, earlier columns are 0. Differentiable; every
   * array it makes is owned by {@code scope}. Each prompt needs at least one token (e.g. BOS).
   */
  public NDArray tokenLogProbs(NDManager scope, List<int[]> prompts, List<int[]> completions) {
    return tokenLogProbs(scope, prompts, completions, (MlpHook) null);
  }

  /**
   * As {@link #tokenLogProbs(NDManager, List, List)}, through {@code hook} (e.g. zeroed neurons),
   * null for none.
   */
  public NDArray tokenLogProbs(
      NDManager scope, List<int[]> prompts, List<int[]> completions, MlpHook hook) {
    return tokenLogProbs(
        scope, prompts, completions, (ids, padding) -> model.hidden(ids, padding, null, hook));
  }

  /** The final-norm hidden states of left-padded ids, e.g. {@link CheckpointedForward#hidden}. */
  @FunctionalInterface
  public interface HiddenStates {
    NDArray of(NDArray inputIds, int[] padding);
  }

  /**
   * As {@link #tokenLogProbs(NDManager, List, List)}, with the decoder's hidden states computed by
   * {@code hiddenStates}.
   */
  public NDArray tokenLogProbs(
      NDManager scope, List<int[]> prompts, List<int[]> completions, HiddenStates hiddenStates) {
    if (prompts.size() != completions.size()) {
      throw new IllegalArgumentException(
          prompts.size() + " prompts but " + completions.size() + " completions");
    }
    List<int[]> rows = new ArrayList<>();
    int maxCompletion = 0;
    for (int b = 0; b < prompts.size(); b++) {
      int[] prompt = prompts.get(b), completion = completions.get(b);
      if (prompt.length == 0)
        throw new IllegalArgumentException(
            "prompt " + b + " is empty; it needs at least one token (e.g. BOS)");
      if (completion.length == 0)
        throw new IllegalArgumentException("completion " + b + " is empty");
      int[] row = new int[prompt.length + completion.length];
      System.arraycopy(prompt, 0, row, 0, prompt.length);
      System.arraycopy(completion, 0, row, prompt.length, completion.length);
      rows.add(row);
      maxCompletion = Math.max(maxCompletion, completion.length);
    }
    LeftPaddedBatch batch = LeftPaddedBatch.of(rows);
    int length = batch.length();
    if (length > model.config().maxPositionEmbeddings()) {
      throw new IllegalArgumentException(
          "a prompt+completion has "
              + length
              + " tokens, over max_position_embeddings "
              + model.config().maxPositionEmbeddings());
    }
    NDArray ids = batch.toNDArray(scope);
    NDArray hidden = hiddenStates.of(ids, batch.padding());
    // Only the positions that predict completion tokens go through the (vocab-sized) head.
    int firstPredicting = length - maxCompletion - 1;
    NDArray targets = ids.get(new NDIndex(":, {}:", length - maxCompletion)).expandDims(-1);
    int positions = Math.max(1, blockElements / (prompts.size() * model.config().vocabSize()));
    NDList blocks = new NDList();
    for (int from = 0; from < maxCompletion; from += positions) {
      int to = Math.min(maxCompletion, from + positions);
      NDArray predicting =
          hidden.get(new NDIndex(":, {}:{}, :", firstPredicting + from, firstPredicting + to));
      try (NDArray logits = model.logits(predicting);
          NDArray logProbs = logits.logSoftmax(-1)) {
        blocks.add(logProbs.gather(targets.get(new NDIndex(":, {}:{}", from, to)), -1).squeeze(-1));
      }
    }
    NDArray picked = blocks.size() == 1 ? blocks.singletonOrThrow() : NDArrays.concat(blocks, 1);
    float[] mask = new float[prompts.size() * maxCompletion];
    for (int b = 0; b < prompts.size(); b++) {
      for (int j = maxCompletion - completions.get(b).length; j < maxCompletion; j++)
        mask[b * maxCompletion + j] = 1f;
    }
    return picked.mul(scope.create(mask, new Shape(prompts.size(), maxCompletion)));
  }

  /** Summed completion log-probs [batch], differentiable (the policy term of DPO). */
  public NDArray sumLogProbs(NDManager scope, List<int[]> prompts, List<int[]> completions) {
    return tokenLogProbs(scope, prompts, completions).sum(new int[] {1});
  }

  /** Scores without gradients; temporaries are freed before returning. */
  public List<Scored> score(List<int[]> prompts, List<int[]> completions) {
    return score(prompts, completions, null);
  }

  /** Scores through {@code hook} (e.g. deactivated language neurons), null for none. */
  public List<Scored> score(List<int[]> prompts, List<int[]> completions, MlpHook hook) {
    try (NDManager scope = model.manager().newSubManager()) {
      NDArray perToken = tokenLogProbs(scope, prompts, completions, hook);
      int width = (int) perToken.getShape().get(1);
      float[] flat = perToken.toFloatArray();
      List<Scored> out = new ArrayList<>();
      for (int b = 0; b < prompts.size(); b++) {
        int n = completions.get(b).length;
        float[] tokens = new float[n];
        System.arraycopy(flat, b * width + width - n, tokens, 0, n);
        double sum = 0;
        for (float t : tokens) sum += t;
        out.add(new Scored(tokens, sum));
      }
      return out;
    }
  }
}
