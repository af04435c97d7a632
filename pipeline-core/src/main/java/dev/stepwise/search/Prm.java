package dev.stepwise.search;

import java.util.List;

/**
 * A process reward model: how likely the last step of a partial solution is correct, given the
 * question and the steps before it (docs/methods.md §B).
 */
public interface Prm {

  /** A partial solution: the question, the accepted steps, and the step to score. */
  record Request(String question, List<String> previousSteps, String step) {
    public Request {
      previousSteps = List.copyOf(previousSteps);
    }
  }

  /** One score in [0, 1] per request, in request order. */
  List<Double> score(List<Request> requests);
}
