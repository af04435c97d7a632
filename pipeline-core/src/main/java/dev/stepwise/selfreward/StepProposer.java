package dev.stepwise.selfreward;

import java.util.List;

/** Samples candidate next steps, for many prompts at once. */
public interface StepProposer {

  /**
   * @param iteration the prompt's step iteration (rollbacks included), part of every candidate's
   *     seed
   */
  record Request(SearchPrompt prompt, List<String> previousSteps, int iteration, int candidates) {}

  /** One list of {@code candidates} candidates per request, in request order. */
  List<List<Candidate>> propose(List<Request> requests);
}
