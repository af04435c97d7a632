package dev.stepwise.selfreward;

import dev.stepwise.judge.Verdict;
import java.util.List;

/** Compares two candidate next steps with the model acting as judge, for many pairs at once. */
public interface PairJudge {

  record Request(SearchPrompt prompt, List<String> previousSteps, String stepA, String stepB) {}

  /**
   * The judge's raw output and its parsed verdict ({@code A}, {@code B} or {@code TIE} when
   * unparsable), the tokens it wrote, and for a forced choice the verdict's probability (else
   * null).
   */
  record Judgment(String raw, Verdict verdict, int tokens, Double probability) {
    public Judgment(String raw, Verdict verdict, int tokens) {
      this(raw, verdict, tokens, null);
    }
  }

  List<Judgment> judge(List<Request> requests);
}
