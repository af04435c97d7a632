package dev.stepwise.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stepwise.selfreward.Candidate;
import dev.stepwise.selfreward.SearchPrompt;
import dev.stepwise.selfreward.StepProposer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * PATS's loop on scripted candidates and scripted PRM scores: the mode of every iteration, the
 * one-time penalty, the solution-level switch and token accounting follow known transitions. The
 * run with a real policy and PRM is PatsJobTest (spark-jobs).
 */
class PatsSearchTest {

  static final SearchPrompt PROMPT = new SearchPrompt("p1", "en", "What is 2+3+4?", "9", 42);

  /**
   * Candidate c of iteration t is "t<t>c<c>" (5 tokens); from iteration {@code last} on, they are
   * final. The PRM scores candidate 0 of iteration t with {@code best[t]}, every other one 0.01.
   */
  static List<PatsSearch.Iteration> run(PatsMethod method, double[] best, int last) {
    return outcome(method, best, last).iterations();
  }

  static PatsSearch.Outcome outcome(PatsMethod method, double[] best, int last) {
    StepProposer proposer =
        requests -> {
          List<List<Candidate>> out = new ArrayList<>();
          for (StepProposer.Request r : requests) {
            List<Candidate> list = new ArrayList<>();
            for (int c = 0; c < r.candidates(); c++)
              list.add(new Candidate("t" + r.iteration() + "c" + c, 5, r.iteration() >= last));
            out.add(list);
          }
          return out;
        };
    Prm prm =
        requests ->
            requests.stream()
                .map(
                    r -> {
                      int t = Integer.parseInt(r.step().substring(1, r.step().indexOf('c')));
                      return r.step().endsWith("c0") ? best[t] : 0.01;
                    })
                .toList();
    return new PatsSearch(PatsSettings.paper(), proposer, prm).run(List.of(PROMPT), method).get(0);
  }

  static List<String> trace(List<PatsSearch.Iteration> its) {
    return its.stream()
        .map(i -> i.mode().label() + "/" + i.width() + "/" + i.action() + "/" + i.badCount())
        .toList();
  }

  @Test
  void modesFollowTheScoresOfTheChosenSteps() {
    // good, good, good, middling, low, good, final
    double[] r = {0.9, 0.9, 0.95, 0.8, 0.5, 0.86, 0.9};
    assertThat(trace(run(PatsMethod.PATS, r, 6)))
        .containsExactly(
            "complex/8/accept/0",
            "medium/4/accept/0",
            "simple/2/accept/0",
            "simple/2/accept/0", // 0.8 keeps simple
            "simple/2/accept/0", // 0.5 jumps back to complex ...
            "complex/8/accept/0", // ... and 0.86 moves only one level
            "medium/4/final/0");
  }

  @Test
  void theBadStepPenaltyFiresOncePerStreak() {
    // bad (rejected), bad again (accepted), bad (a new streak: rejected), good, final
    double[] r = {0.9, 0.2, 0.3, 0.1, 0.9, 0.9};
    PatsSearch.Outcome o = outcome(PatsMethod.PATS, r, 5);
    assertThat(trace(o.iterations()))
        .containsExactly(
            "complex/8/accept/0",
            "medium/4/penalty_reject/1",
            "complex/8/accept/0",
            "complex/8/penalty_reject/1",
            "complex/8/accept/0",
            "medium/4/final/0");
    // Rejected steps are not in the solution; their step index is the one regenerated.
    assertThat(o.steps()).containsExactly("t0c0", "t2c0", "t4c0", "t5c0");
    assertThat(o.iterations().stream().map(PatsSearch.Iteration::stepIndex))
        .containsExactly(0, 1, 1, 2, 2, 3);
    // Every sampled token counts, the rejected iterations' included: (8+4+8+8+8+4) x 5.
    assertThat(o.tokens()).isEqualTo(40 * 5);
    assertThat(o.prmScorings()).isEqualTo(40);
  }

  @Test
  void baselinesKeepTheirWidthAndAcceptEveryStep() {
    double[] r = {0.9, 0.1, 0.9};
    for (var e :
        Map.of(PatsMethod.ALL_SIMPLE, 2, PatsMethod.ALL_MEDIUM, 4, PatsMethod.ALL_COMPLEX, 8)
            .entrySet()) {
      PatsSearch.Outcome o = outcome(e.getKey(), r, 2);
      assertThat(o.iterations()).allMatch(i -> i.width() == e.getValue());
      assertThat(o.iterations())
          .extracting(PatsSearch.Iteration::action)
          .containsExactly("accept", "accept", "final");
      assertThat(o.tokens()).isEqualTo(3 * e.getValue() * 5);
    }
  }

  @Test
  void theSolutionSwitchRedoesALowScoringSimpleSolutionInComplexMode() {
    // Simple pass ends at iteration 1 with r = 0.6 < 0.75: redo in complex from iteration 2.
    double[] r = {0.9, 0.6, 0.9};
    PatsSearch.Outcome low = outcome(PatsMethod.SOLUTION_SWITCH, r, 1);
    assertThat(trace(low.iterations()))
        .containsExactly("simple/2/accept/0", "simple/2/final/0", "complex/8/final/0");
    assertThat(low.steps()).containsExactly("t2c0");
    assertThat(low.tokens()).isEqualTo((2 + 2 + 8) * 5);
    // A verified simple solution is kept.
    PatsSearch.Outcome ok = outcome(PatsMethod.SOLUTION_SWITCH, new double[] {0.9, 0.8}, 1);
    assertThat(trace(ok.iterations())).containsExactly("simple/2/accept/0", "simple/2/final/0");
    assertThat(ok.tokens()).isEqualTo(2 * 2 * 5);
  }

  @Test
  void theFilterDropsDuplicatesAcceptedStepsAndGarbledText() {
    assertThat(
            CandidateFilter.keep(
                List.of(
                    "Step 2: 5 + 4 = 9",
                    "Step 1: 2 + 3 = 5",
                    "Step 2: 5 + 4 = 9",
                    "x\uFFFDy",
                    " ",
                    "步骤 2: 5 + 4 = 9"),
                List.of("Step 1: 2 + 3 = 5"),
                true))
        .containsExactly(0, 5);
    assertThat(CandidateFilter.keep(List.of("x\uFFFDy"), List.of(), false)).containsExactly(0);
  }
}
