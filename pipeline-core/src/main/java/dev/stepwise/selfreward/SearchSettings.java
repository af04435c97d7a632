package dev.stepwise.selfreward;

import java.io.Serializable;

/**
 * Settings of the step-wise search with self-judging (docs/methods.md §A.5); config keys {@code
 * search.*}.
 *
 * @param candidates w, candidate next steps sampled per step (paper: 6)
 * @param maxIterations step iterations per prompt, rollbacks included (paper: 20)
 * @param maxRollbacks tie rollbacks per prompt before a tied step is kept without a pair
 * @param judgeBothOrders judge (A,B) and (B,A) and count a win only when both agree
 * @param copiesAgree two identical candidates each win against the other instead of tying (the
 *     search's score then adds to the judge's wins how often a step was sampled)
 */
public record SearchSettings(
    int candidates,
    int maxIterations,
    int maxRollbacks,
    boolean judgeBothOrders,
    boolean copiesAgree)
    implements Serializable {

  /** Identical candidates tie (the paper's judging, where a step cannot beat its copy). */
  public SearchSettings(
      int candidates, int maxIterations, int maxRollbacks, boolean judgeBothOrders) {
    this(candidates, maxIterations, maxRollbacks, judgeBothOrders, false);
  }

  public SearchSettings {
    if (candidates < 2) {
      throw new IllegalArgumentException(
          "search.candidates must be at least 2 to form a pair, got " + candidates);
    }
    if (maxIterations < 1 || maxRollbacks < 0) {
      throw new IllegalArgumentException(
          "search.max_iterations must be >= 1 and search.max_rollbacks >= 0, got "
              + maxIterations
              + ", "
              + maxRollbacks);
    }
  }
}
