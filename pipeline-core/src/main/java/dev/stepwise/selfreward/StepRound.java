package dev.stepwise.selfreward;

import java.util.List;

/**
 * One step iteration of a prompt's search: the steps it continued, every candidate with its wins,
 * and what happened ({@code accepted}, {@code rollback}, {@code resample}, {@code kept_tied}).
 * Feeds {@code step_judgments}.
 *
 * @param best the candidate kept as the next step, or -1 when the iteration kept none
 * @param worst the candidate paired against it, or -1 when all tied
 */
public record StepRound(
    int iteration,
    List<String> previousSteps,
    String outcome,
    List<JudgedCandidate> candidates,
    int best,
    int worst) {

  /** 0-based index of the step searched (the number of steps accepted before it). */
  public int stepIndex() {
    return previousSteps.size();
  }
}
