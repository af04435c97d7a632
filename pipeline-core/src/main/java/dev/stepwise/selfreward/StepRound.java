package dev.stepwise.selfreward;

import java.util.List;

/**
 * One step iteration of a prompt's search: every candidate with its wins, and what happened
 * ({@code accepted}, {@code rollback}, {@code resample}, {@code kept_tied}). Feeds {@code step_judgments}.
 *
 * @param stepIndex number of accepted steps after this iteration
 */
public record StepRound(int iteration, int stepIndex, String outcome, List<JudgedCandidate> candidates, int best, int worst) {}
