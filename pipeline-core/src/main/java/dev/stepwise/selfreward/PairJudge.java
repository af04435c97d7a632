package dev.stepwise.selfreward;

import java.util.List;

/** Compares two candidate next steps with the model acting as judge, for many pairs at once. */
public interface PairJudge {

  record Request(SearchPrompt prompt, List<String> previousSteps, String stepA, String stepB) {}

  /** The judge's raw output and its parsed verdict ({@code A}, {@code B} or {@code TIE} when unparsable). */
  record Judgment(String raw, Verdict verdict, int tokens) {}

  enum Verdict { A, B, TIE }

  List<Judgment> judge(List<Request> requests);
}
