package dev.stepwise.selfreward;

import java.util.List;
import java.util.Set;

/**
 * The result of one prompt's search: the solution, its preference pairs and the full trace.
 *
 * @param solutionIterations the iterations whose accepted step is in the final solution (a
 *     rolled-back step's iteration is not)
 */
public record SearchOutcome(
    SearchPrompt prompt,
    List<String> steps,
    boolean finished,
    List<StepPair> pairs,
    List<StepRound> rounds,
    int rollbacks,
    Set<Integer> solutionIterations) {

  /** Every token the search sampled: all candidates, and the judge's outputs. */
  public int tokensSampled() {
    int tokens = 0;
    for (StepRound round : rounds) {
      for (JudgedCandidate c : round.candidates()) {
        tokens += c.candidate().tokens() + c.judgeTokens();
      }
    }
    return tokens;
  }
}
