package dev.stepwise.multilingual;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.model.LeftPaddedBatch;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.MlpHook;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts, per layer and neuron, the response tokens on which SiLU(x·W_gate) > 0, i.e. the gate
 * pre-activation is > 0 (docs/methods.md §E steps 1–2).
 *
 * <p>The released code runs prompt+response, then the prompt alone, and subtracts counts and token
 * totals. Here one forward over prompt+response is counted through a response-token mask. That is
 * the same number: attention is causal, so a prompt token's activations in the joint pass equal
 * those of the prompt-only pass, and the subtraction removes exactly the prompt tokens.
 *
 * <p>Counting happens on the device: per batch and layer one [batch, time, neurons] comparison,
 * masked and summed to [neurons] INT64, added into a [layers, neurons] accumulator; only the final
 * totals cross into Java.
 */
public final class ActivationRecorder {
  private ActivationRecorder() {}

  /**
   * Counts for {@code sequences}, all in language {@code lang}, {@code batchSize} sequences per
   * forward.
   */
  public static ActivationCounts record(
      LlamaModel model, List<ResponseSequence> sequences, String lang, int batchSize) {
    if (batchSize < 1)
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    int layers = model.config().numHiddenLayers(), neurons = model.config().intermediateSize();
    if (sequences.isEmpty()) return ActivationCounts.empty(lang, layers, neurons);
    long tokens = 0;
    try (NDManager totals = model.manager().newSubManager()) {
      NDArray active = totals.zeros(new Shape(layers, neurons), DataType.INT64);
      for (int from = 0; from < sequences.size(); from += batchSize) {
        List<ResponseSequence> batch =
            sequences.subList(from, Math.min(sequences.size(), from + batchSize));
        tokens += countBatch(model, batch, active);
      }
      return new ActivationCounts(lang, layers, neurons, active.toLongArray(), tokens);
    }
  }

  /** Adds the batch's per-neuron counts into {@code active}; returns its response tokens. */
  private static long countBatch(LlamaModel model, List<ResponseSequence> batch, NDArray active) {
    List<int[]> rows = new ArrayList<>();
    for (ResponseSequence s : batch) {
      int[] row = new int[s.prompt().length + s.response().length];
      System.arraycopy(s.prompt(), 0, row, 0, s.prompt().length);
      System.arraycopy(s.response(), 0, row, s.prompt().length, s.response().length);
      rows.add(row);
    }
    LeftPaddedBatch padded = LeftPaddedBatch.of(rows);
    if (padded.length() > model.config().maxPositionEmbeddings()) {
      throw new IllegalArgumentException(
          "a prompt+response has "
              + padded.length()
              + " tokens, over max_position_embeddings "
              + model.config().maxPositionEmbeddings()
              + "; truncate the responses");
    }
    // Rows are right-aligned, so each row's response occupies its last response.length columns.
    long[] mask = new long[batch.size() * padded.length()];
    long tokens = 0;
    for (int b = 0; b < batch.size(); b++) {
      int n = batch.get(b).response().length;
      for (int t = padded.length() - n; t < padded.length(); t++) mask[b * padded.length() + t] = 1;
      tokens += n;
    }
    try (NDManager scope = model.manager().newSubManager()) {
      NDArray responseMask = scope.create(mask, new Shape(batch.size(), padded.length(), 1));
      NDArray[] perLayer = new NDArray[model.config().numHiddenLayers()];
      MlpHook counter =
          new MlpHook() {
            @Override
            public void observeGate(int layer, NDArray gate) {
              // The [batch, time, neurons] temporaries are freed now, not at the end of the
              // forward:
              // on a large model one per layer would otherwise pile up to several GB.
              NDArray positive = gate.gt(0);
              NDArray asCounts = positive.toType(DataType.INT64, false);
              NDArray masked = asCounts.mul(responseMask);
              perLayer[layer] = masked.sum(new int[] {0, 1});
              NDScope.unregister(perLayer[layer]); // kept past the layer's scope
              positive.close();
              asCounts.close();
              masked.close();
            }
          };
      model.hidden(padded.toNDArray(scope), padded.padding(), null, counter);
      active.addi(NDArrays.stack(new NDList(perLayer)));
    }
    return tokens;
  }
}
