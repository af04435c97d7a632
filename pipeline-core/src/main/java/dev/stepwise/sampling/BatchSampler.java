package dev.stepwise.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Picks the next token of every row of a batch on the engine: entropy, temperature, top-k, top-p
 * and the inverse-CDF draw run as NDArray ops over [batch, vocab], and only the entropies (in) and
 * the chosen ids with their log-probs (out) cross to the JVM, a few numbers a row instead of the
 * vocabulary's logits (151,936 floats a row at Qwen's size).
 *
 * <p>It computes exactly what {@link Logits#sample} computes in Java, in the same order and in
 * double: softmax with sequential sums (a cumulative sum's last column, as Java's loop adds), the
 * k-th largest probability as the top-k threshold, the top-p threshold from the descending
 * cumulative mass against p times the ascending sum, and the first token in id order whose
 * cumulative kept mass exceeds the row's uniform times the kept mass. The uniform comes from the
 * request's own Random ({@link TokenChooser#plan}), so a row's tokens do not depend on the batch.
 * The one difference from Java is {@code exp}: torch's and Java's may differ in the last bit of a
 * double, which moves a token only when a uniform falls within ~1e-16 of a boundary.
 */
public final class BatchSampler {
  private BatchSampler() {}

  /**
   * The chosen token of a row, its log-prob under the unscaled distribution, and what the draw
   * used.
   */
  public record Picked(int token, double logProb, double temperature, double entropy) {}

  /** Decides a row's draw from its entropy (the row's chooser and Random). */
  @FunctionalInterface
  public interface Planner {
    TokenChooser.Draw plan(int row, double entropy);
  }

  /**
   * Picks a token for every row of {@code logits} [batch, vocab]; temporaries go to the logits'
   * manager.
   */
  public static Picked[] pick(NDArray logits, Planner planner) {
    int batch = (int) logits.getShape().get(0);
    NDArray wide = logits.toType(DataType.FLOAT64, false);
    NDArray logSoftmax = wide.logSoftmax(-1);
    // A token with logit -inf adds nothing to the entropy: clamp its -inf so that p·log p is 0, not
    // NaN.
    NDArray finite = logSoftmax.maximum(-Double.MAX_VALUE);
    double[] entropy = finite.exp().mul(finite).sum(new int[] {-1}).neg().toDoubleArray();
    TokenChooser.Draw[] draws = new TokenChooser.Draw[batch];
    int sampledRows = 0;
    for (int b = 0; b < batch; b++) {
      draws[b] = planner.plan(b, entropy[b]);
      if (!draws[b].greedy()) sampledRows++;
    }
    // torch's argmax returns the first of equal maxima: the lowest id, as the Java sampler.
    long[] tokens = sampledRows == batch ? new long[batch] : logits.argMax(-1).toLongArray();
    if (sampledRows > 0) {
      long[] rows = new long[sampledRows];
      for (int b = 0, i = 0; b < batch; b++) if (!draws[b].greedy()) rows[i++] = b;
      NDManager scope = logits.getManager();
      long[] drawn =
          sample(sampledRows == batch ? wide : wide.get(scope.create(rows)), rows, draws);
      for (int i = 0; i < rows.length; i++) tokens[(int) rows[i]] = drawn[i];
    }
    double[] logProbs =
        logSoftmax
            .gather(logits.getManager().create(tokens, new Shape(batch, 1)), -1)
            .toDoubleArray();
    Picked[] picked = new Picked[batch];
    for (int b = 0; b < batch; b++)
      picked[b] = new Picked((int) tokens[b], logProbs[b], draws[b].temperature(), entropy[b]);
    return picked;
  }

  /**
   * Draws one token per row of {@code z} [rows, vocab] (float64 logits of the batch rows {@code
   * rows}).
   */
  private static long[] sample(NDArray z, long[] rows, TokenChooser.Draw[] draws) {
    NDManager scope = z.getManager();
    int n = rows.length;
    long vocab = z.getShape().get(1);
    double[] temperature = new double[n], topP = new double[n], uniform = new double[n];
    long[] kth = new long[n];
    boolean anyTopK = false, anyTopP = false;
    for (int i = 0; i < n; i++) {
      TokenChooser.Draw d = draws[(int) rows[i]];
      temperature[i] = d.temperature();
      uniform[i] = d.uniform();
      boolean topK = d.topK() > 0 && d.topK() < vocab;
      anyTopK |= topK;
      kth[i] =
          topK ? d.topK() - 1 : vocab - 1; // off: the smallest probability, which removes nothing
      anyTopP |= d.topP() < 1;
      topP[i] =
          d.topP() < 1
              ? d.topP()
              : 2; // off: no mass reaches twice the total, so the smallest is the threshold
    }
    Shape column = new Shape(n, 1);
    NDArray e = z.sub(z.max(new int[] {-1}, true)).div(scope.create(temperature, column)).exp();
    NDArray p = e.div(lastColumn(e.cumSum(-1)));
    if (anyTopK) {
      NDArray threshold = p.sort(-1).flip(-1).gather(scope.create(kth, column), -1);
      p = p.mul(p.gte(threshold).toType(DataType.FLOAT64, false));
    }
    if (anyTopP) {
      NDArray ascending = p.sort(-1);
      NDArray descending = ascending.flip(-1);
      NDArray target = lastColumn(ascending.cumSum(-1)).mul(scope.create(topP, column));
      // The first position (largest first) whose cumulative mass reaches the target: the count of
      // those below it.
      NDArray crossing =
          descending
              .cumSum(-1)
              .lt(target)
              .toType(DataType.INT64, false)
              .sum(new int[] {-1}, true)
              .minimum(vocab - 1);
      p = p.mul(p.gte(descending.gather(crossing, -1)).toType(DataType.FLOAT64, false));
    }
    NDArray cdf = p.cumSum(-1);
    NDArray at = lastColumn(cdf).mul(scope.create(uniform, column));
    long[] tokens = countAtMost(cdf, at);
    for (int i = 0; i < n; i++) {
      // Only if rounding put the target at the total: Java then takes the last token with any mass.
      if (tokens[i] >= vocab) tokens[i] = lastPositive(p.get(i));
    }
    return tokens;
  }

  /** Entries per block of {@link #countAtMost}'s two-level count. */
  static final int BLOCK = 512;

  /**
   * For each row of a non-decreasing {@code cdf} [rows, vocab], how many entries are <= the row's
   * {@code at} [rows, 1]: the blocks whose last entry is, then the entries of the next block that
   * are. The count of comparing every entry, from vocab / BLOCK + BLOCK comparisons a row (turning
   * 151,936 comparisons a row into a count was the costliest pass of a pick). A count of vocab or
   * more means every entry is <= at.
   */
  static long[] countAtMost(NDArray cdf, NDArray at) {
    long vocab = cdf.getShape().get(1);
    if (vocab < 2 * BLOCK) return cdf.lte(at).sum(new int[] {-1}).toLongArray();
    NDManager scope = cdf.getManager();
    NDArray blockEnds = cdf.get(new NDIndex(":, {}::{}", BLOCK - 1, BLOCK));
    NDArray skipped = blockEnds.lte(at).sum(new int[] {-1}, true).mul(BLOCK); // [rows, 1]
    // The next block's entries; past the end, the last entry again (<= at only when all are).
    NDArray next = skipped.add(scope.arange(0, BLOCK, 1, DataType.INT64)).minimum(vocab - 1);
    return skipped.add(cdf.gather(next, -1).lte(at).sum(new int[] {-1}, true)).toLongArray();
  }

  private static NDArray lastColumn(NDArray a) {
    return a.get(new NDIndex(":, -1:"));
  }

  private static long lastPositive(NDArray row) {
    float[] kept = row.gt(0).toType(DataType.FLOAT32, false).toFloatArray();
    for (int i = kept.length - 1; i > 0; i--) if (kept[i] > 0) return i;
    return 0;
  }
}
