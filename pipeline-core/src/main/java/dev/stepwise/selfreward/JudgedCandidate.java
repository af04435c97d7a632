package dev.stepwise.selfreward;

import dev.stepwise.judge.Verdict;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A candidate with its pairwise results. With one judgment per pair a preferred candidate wins
 * outright; with both orders judged it wins only when the two verdicts agree, and a split counts
 * for neither (docs/methods.md §A, the EFT consistency rule applied at search time).
 */
public final class JudgedCandidate {

  private final Candidate candidate;
  private final List<Comparison> comparisons = new ArrayList<>();
  private final Map<Integer, Integer> preferredAgainst = new HashMap<>();
  private final Map<Integer, Integer> judgedAgainst = new HashMap<>();
  private int judgeTokens;

  JudgedCandidate(Candidate candidate) {
    this.candidate = candidate;
  }

  void record(PairJudge.Judgment judgment, int opponent, boolean wasA) {
    judgedAgainst.merge(opponent, 1, Integer::sum);
    boolean preferred = judgment.verdict() == (wasA ? Verdict.A : Verdict.B);
    if (preferred) {
      preferredAgainst.merge(opponent, 1, Integer::sum);
    }
    String outcome = judgment.verdict() == Verdict.TIE ? "tie" : preferred ? "win" : "loss";
    comparisons.add(
        new Comparison(opponent, wasA, outcome, judgment.raw(), judgment.probability()));
    if (wasA) {
      judgeTokens += judgment.tokens();
    }
  }

  /**
   * An identical opponent under search.copies_agree: not judged, a win for both (the copies support
   * each other, so a step sampled k times scores k - 1 before any judgment).
   */
  void recordCopy(int opponent, boolean wasA) {
    judgedAgainst.merge(opponent, 1, Integer::sum);
    preferredAgainst.merge(opponent, 1, Integer::sum);
    comparisons.add(
        new Comparison(
            opponent, wasA, "win", "(identical steps: not judged, a win for both)", null));
  }

  /** Score_i = number of opponents this candidate beat in every judgment of their pair. */
  public int wins() {
    int wins = 0;
    for (var e : judgedAgainst.entrySet()) {
      if (preferredAgainst.getOrDefault(e.getKey(), 0).equals(e.getValue())) {
        wins++;
      }
    }
    return wins;
  }

  public Candidate candidate() {
    return candidate;
  }

  /**
   * One judgment involving this candidate, from its side: win, loss or tie; {@code
   * verdictProbability} is the forced-choice verdict's probability, null for generated verdicts.
   */
  public record Comparison(
      int opponent,
      boolean shownFirst,
      String outcome,
      String judgeText,
      Double verdictProbability) {}

  /** Every judgment that involved this candidate, with the judge's raw output. */
  public List<Comparison> comparisons() {
    return List.copyOf(comparisons);
  }

  /** Tokens the judge wrote in the comparisons where this candidate was shown first. */
  public int judgeTokens() {
    return judgeTokens;
  }
}
