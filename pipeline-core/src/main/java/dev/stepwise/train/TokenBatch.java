package dev.stepwise.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Prompt + completion sequences packed into one right-padded matrix, with a mask that marks the
 * targets belonging to the completion (position t of the mask scores token t+1).
 */
public record TokenBatch(NDArray inputIds, NDArray completionMask, NDArray completionTokens) {

  /** One training sequence: the completion is scored, the prompt only conditions it. */
  public record Sequence(int[] promptIds, int[] completionIds) {
    public Sequence {
      if (promptIds.length == 0) {
        throw new IllegalArgumentException("a training sequence needs at least one prompt token (BOS or text)");
      }
      if (completionIds.length == 0) {
        throw new IllegalArgumentException("a training sequence needs at least one completion token");
      }
    }

    int length() {
      return promptIds.length + completionIds.length;
    }
  }

  public static TokenBatch of(NDManager manager, List<Sequence> sequences, int padId) {
    int rows = sequences.size();
    int width = sequences.stream().mapToInt(Sequence::length).max().orElseThrow();
    int[] ids = new int[rows * width];
    float[] mask = new float[rows * (width - 1)];
    float[] counts = new float[rows];
    java.util.Arrays.fill(ids, padId);
    for (int r = 0; r < rows; r++) {
      Sequence s = sequences.get(r);
      System.arraycopy(s.promptIds(), 0, ids, r * width, s.promptIds().length);
      System.arraycopy(s.completionIds(), 0, ids, r * width + s.promptIds().length, s.completionIds().length);
      for (int t = s.promptIds().length - 1; t < s.length() - 1; t++) {
        mask[r * (width - 1) + t] = 1f;
      }
      counts[r] = s.completionIds().length;
    }
    return new TokenBatch(
        manager.create(ids, new Shape(rows, width)),
        manager.create(mask, new Shape(rows, width - 1)),
        manager.create(counts));
  }

  /** Summed completion log-prob of each row, shape (B). */
  public NDArray completionLogProbs(NDArray nextTokenLogProbs) {
    return nextTokenLogProbs.mul(completionMask).sum(new int[] {1});
  }
}
