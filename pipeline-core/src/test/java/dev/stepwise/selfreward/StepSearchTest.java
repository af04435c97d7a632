package dev.stepwise.selfreward;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stepwise.judge.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The search's rules (scoring, best/worst, rollback, both-order judging, stopping) on scripted
 * proposals and verdicts; the end-to-end run with a real model lives in the Spark tests.
 */
class StepSearchTest {

  static final SearchPrompt PROMPT = new SearchPrompt("p1", "en", "What is 2+3+4?", "9", 42);

  /** Candidates "q=<quality>" per iteration from a script; a quality of 9 marks the final step. */
  static StepProposer scripted(Function<Integer, int[]> qualitiesAtIteration) {
    return requests -> {
      List<List<Candidate>> out = new ArrayList<>();
      for (StepProposer.Request r : requests) {
        List<Candidate> list = new ArrayList<>();
        int[] q = qualitiesAtIteration.apply(r.iteration());
        for (int i = 0; i < r.candidates(); i++) {
          list.add(
              new Candidate(
                  "step " + r.previousSteps().size() + " q=" + q[i] + " #" + i, 3, q[i] == 9));
        }
        out.add(list);
      }
      return out;
    };
  }

  static int quality(String step) {
    return Integer.parseInt(step.replaceAll(".*q=(\\d+).*", "$1"));
  }

  /** A judge that prefers the higher quality and says TIE on equal quality. */
  static final PairJudge FAIR =
      requests ->
          requests.stream()
              .map(
                  r -> {
                    int a = quality(r.stepA());
                    int b = quality(r.stepB());
                    Verdict v = a > b ? Verdict.A : a < b ? Verdict.B : Verdict.TIE;
                    return new PairJudge.Judgment("[[" + v + "]]", v, 2);
                  })
              .toList();

  /** A judge that always answers A: a pure position bias. */
  static final PairJudge ALWAYS_A =
      requests ->
          requests.stream().map(r -> new PairJudge.Judgment("[[A]]", Verdict.A, 2)).toList();

  @Test
  void keepsTheBestCandidateAndPairsItWithTheWorstUntilTheFinalStep() {
    StepSearch search =
        new StepSearch(
            new SearchSettings(3, 20, 3, false),
            scripted(it -> it == 0 ? new int[] {2, 5, 1} : new int[] {3, 9, 4}),
            FAIR);
    SearchOutcome outcome = search.run(List.of(PROMPT)).get(0);
    assertThat(outcome.finished()).isTrue();
    assertThat(outcome.steps()).containsExactly("step 0 q=5 #1", "step 1 q=9 #1");
    assertThat(outcome.pairs()).hasSize(2);
    StepPair first = outcome.pairs().get(0);
    assertThat(first.stepIndex()).isEqualTo(1);
    assertThat(first.chosen().text()).isEqualTo("step 0 q=5 #1");
    assertThat(first.rejected().text()).isEqualTo("step 0 q=1 #2");
    assertThat(first.chosenWins()).isEqualTo(2);
    assertThat(first.rejectedWins()).isZero();
    assertThat(outcome.pairs().get(1).previousSteps()).containsExactly("step 0 q=5 #1");
  }

  @Test
  void aFullTieDiscardsThePreviousStepAndItsPair() {
    // Iteration 1 ties everywhere, so step 1 is rolled back and searched again at iteration 2.
    StepSearch search =
        new StepSearch(
            new SearchSettings(3, 20, 3, false),
            scripted(
                it ->
                    switch (it) {
                      case 0 -> new int[] {2, 5, 1};
                      case 1 -> new int[] {4, 4, 4};
                      case 2 -> new int[] {6, 3, 1};
                      default -> new int[] {9, 2, 2};
                    }),
            FAIR);
    SearchOutcome outcome = search.run(List.of(PROMPT)).get(0);
    assertThat(outcome.rollbacks()).isEqualTo(1);
    assertThat(outcome.rounds())
        .extracting(StepRound::outcome)
        .containsExactly("accepted", "rollback", "accepted", "accepted");
    assertThat(outcome.steps()).containsExactly("step 0 q=6 #0", "step 1 q=9 #0");
    assertThat(outcome.pairs()).extracting(StepPair::stepIndex).containsExactly(1, 2);
    assertThat(outcome.solutionIterations()).containsExactlyInAnyOrder(2, 3);
    assertThat(outcome.rounds()).extracting(StepRound::stepIndex).containsExactly(0, 1, 0, 1);
    assertThat(outcome.pairs().get(0).chosen().text()).isEqualTo("step 0 q=6 #0");
  }

  @Test
  void rollbacksAreBoundedAndTheIterationLimitStopsTheSearch() {
    StepSearch search =
        new StepSearch(new SearchSettings(2, 5, 2, false), scripted(it -> new int[] {4, 4}), FAIR);
    SearchOutcome outcome = search.run(List.of(PROMPT)).get(0);
    assertThat(outcome.finished()).isFalse();
    assertThat(outcome.rounds()).hasSize(5);
    assertThat(outcome.rollbacks()).isEqualTo(2);
    assertThat(outcome.rounds())
        .extracting(StepRound::outcome)
        .containsExactly("resample", "resample", "kept_tied", "kept_tied", "kept_tied");
    assertThat(outcome.pairs()).isEmpty();
  }

  @Test
  void judgingBothOrdersCancelsAPositionBiasedJudge() {
    SearchSettings both = new SearchSettings(3, 3, 0, true);
    SearchOutcome unbiased =
        new StepSearch(both, scripted(it -> new int[] {2, 5, 1}), ALWAYS_A)
            .run(List.of(PROMPT))
            .get(0);
    assertThat(unbiased.pairs()).isEmpty();
    assertThat(unbiased.rounds().get(0).candidates())
        .allSatisfy(c -> assertThat(c.wins()).isZero());

    SearchSettings once = new SearchSettings(3, 1, 0, false);
    SearchOutcome biased =
        new StepSearch(once, scripted(it -> new int[] {2, 5, 1}), ALWAYS_A)
            .run(List.of(PROMPT))
            .get(0);
    // Judged once, every one of the 3 pairs hands somebody a win, whatever the steps say.
    assertThat(biased.rounds().get(0).candidates().stream().mapToInt(JudgedCandidate::wins).sum())
        .isEqualTo(3);
  }

  @Test
  void promptsAreSearchedInLockStepAndIndependently() {
    SearchPrompt other = new SearchPrompt("p2", "de", "Was ist 1+1?", "2", 7);
    StepSearch search =
        new StepSearch(
            new SearchSettings(3, 20, 3, false),
            scripted(it -> it == 0 ? new int[] {2, 5, 1} : new int[] {3, 9, 4}),
            FAIR);
    List<SearchOutcome> together = search.run(List.of(PROMPT, other));
    assertThat(together.get(0).steps()).isEqualTo(search.run(List.of(PROMPT)).get(0).steps());
    assertThat(together.get(1).prompt().id()).isEqualTo("p2");
  }

  @Test
  void identicalCandidatesAreNeverSentToTheJudgeAndRepeatedPairsOnlyOnce() {
    List<Integer> calls = new ArrayList<>();
    PairJudge counting =
        requests -> {
          calls.add(requests.size());
          return FAIR.judge(requests);
        };
    // Candidates 0 and 1 are the same text, as are 2 and 3: 6 pairs, of which 2 identical and
    // 4 distinct text pairs, the latter 2 unique texts in each order -> 2 distinct requests x 2
    // orders.
    StepProposer twins =
        requests ->
            requests.stream()
                .map(
                    r ->
                        List.of(
                            new Candidate("Step 1: q=5", 3, false),
                                new Candidate("Step 1: q=5", 3, false),
                            new Candidate("Step 1: q=2", 3, false),
                                new Candidate("Step 1: q=2", 3, false)))
                .toList();
    SearchOutcome outcome =
        new StepSearch(new SearchSettings(4, 1, 0, true), twins, counting)
            .run(List.of(PROMPT))
            .get(0);
    assertThat(calls).containsExactly(2);
    assertThat(outcome.rounds().get(0).candidates())
        .extracting(JudgedCandidate::wins)
        .containsExactly(2, 2, 0, 0);
  }

  /**
   * Three copies of one step and one other step the judge prefers in both orders: the judge's step
   * is kept either way; with copies_agree the copies win against each other, so the pair's margin
   * is the chosen step's support (1 here) instead of the size of the cluster it beat (3).
   */
  @Test
  void copiesAgreeCountsIdenticalCandidatesAsWinsForEachOther() {
    StepProposer threeCopies =
        requests ->
            requests.stream()
                .map(
                    r ->
                        List.of(
                            new Candidate("Step 1: x \\boxed{1}", 3, true),
                            new Candidate("Step 1: x \\boxed{1}", 3, true),
                            new Candidate("Step 1: y \\boxed{2}", 3, true),
                            new Candidate("Step 1: x \\boxed{1}", 3, true)))
                .toList();
    PairJudge prefersY =
        requests ->
            requests.stream()
                .map(
                    r -> {
                      Verdict v = r.stepA().contains("y") ? Verdict.A : Verdict.B;
                      return new PairJudge.Judgment("[[" + v + "]]", v, 2);
                    })
                .toList();
    for (boolean agree : new boolean[] {false, true}) {
      SearchOutcome outcome =
          new StepSearch(new SearchSettings(4, 20, 3, true, agree), threeCopies, prefersY)
              .run(List.of(PROMPT))
              .get(0);
      assertThat(outcome.steps()).containsExactly("Step 1: y \\boxed{2}");
      assertThat(outcome.rounds().get(0).candidates())
          .extracting(JudgedCandidate::wins)
          .containsExactly(agree ? 2 : 0, agree ? 2 : 0, 3, agree ? 2 : 0);
      StepPair pair = outcome.pairs().get(0);
      assertThat(pair.chosenWins() - pair.rejectedWins()).isEqualTo(agree ? 1 : 3);
    }
  }
}
