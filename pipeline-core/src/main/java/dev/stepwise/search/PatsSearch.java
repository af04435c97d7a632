package dev.stepwise.search;

import dev.stepwise.selfreward.Candidate;
import dev.stepwise.selfreward.SearchPrompt;
import dev.stepwise.selfreward.StepProposer;
import java.util.ArrayList;
import java.util.List;

/**
 * PRM-guided step search with beam width 1 (docs/methods.md §B): at each iteration sample the
 * mode's number of candidates, filter them ({@link CandidateFilter}), score the rest with the PRM
 * (question + accepted steps + candidate) and take the best. PATS then switches modes per step
 * ({@link ModeSwitch}, with the one-time bad-step penalty); the baselines keep one width, and the
 * solution-level switch redoes a whole simple-mode solution in complex mode when its final step
 * scores below value_low. Prompts run in lock step so that sampling and scoring batch across them.
 * Every sampled token counts, rejected and filtered candidates included.
 */
public final class PatsSearch {

  /**
   * One iteration of one problem.
   *
   * @param kept the candidates left after filtering, scored in {@code scores}
   * @param chosen index into {@code kept} of the best candidate, -1 when none survived
   * @param action accept, final, penalty_reject or no_candidate
   * @param badCount bad steps rejected in a row after this iteration
   * @param tokens tokens sampled at this iteration, every candidate
   */
  public record Iteration(
      int iteration,
      int stepIndex,
      Mode mode,
      int width,
      List<String> kept,
      List<Double> scores,
      int chosen,
      String action,
      int badCount,
      int tokens) {

    public Double chosenScore() {
      return chosen < 0 ? null : scores.get(chosen);
    }
  }

  /** The search of one problem by one method. */
  public record Outcome(
      SearchPrompt prompt,
      PatsMethod method,
      List<String> steps,
      boolean finished,
      List<Iteration> iterations,
      int tokens,
      int prmScorings) {}

  private final PatsSettings settings;
  private final ModeSwitch modeSwitch;
  private final StepProposer proposer;
  private final Prm prm;

  public PatsSearch(PatsSettings settings, StepProposer proposer, Prm prm) {
    this.settings = settings;
    this.modeSwitch = new ModeSwitch(settings);
    this.proposer = proposer;
    this.prm = prm;
  }

  public List<Outcome> run(List<SearchPrompt> prompts, PatsMethod method) {
    List<State> states = prompts.stream().map(p -> new State(p, method)).toList();
    List<State> active = new ArrayList<>(states);
    while (!active.isEmpty()) {
      List<StepProposer.Request> requests = new ArrayList<>();
      for (State s : active)
        requests.add(
            new StepProposer.Request(
                s.prompt, List.copyOf(s.steps), s.iteration, settings.width(s.mode)));
      List<List<Candidate>> proposals = proposer.propose(requests);
      List<List<Integer>> kept = new ArrayList<>();
      List<Prm.Request> scoring = new ArrayList<>();
      for (int p = 0; p < active.size(); p++) {
        State s = active.get(p);
        List<String> texts = proposals.get(p).stream().map(Candidate::text).toList();
        List<Integer> k = CandidateFilter.keep(texts, s.steps, settings.filterGarbled());
        kept.add(k);
        for (int i : k) scoring.add(new Prm.Request(s.prompt.question(), s.steps, texts.get(i)));
      }
      List<Double> scores = scoring.isEmpty() ? List.of() : prm.score(scoring);
      int next = 0;
      List<State> still = new ArrayList<>();
      for (int p = 0; p < active.size(); p++) {
        State s = active.get(p);
        int n = kept.get(p).size();
        s.advance(proposals.get(p), kept.get(p), scores.subList(next, next + n));
        next += n;
        if (!s.done) still.add(s);
      }
      active = still;
    }
    return states.stream().map(State::outcome).toList();
  }

  /** The evolving search of one problem. */
  private final class State {
    final SearchPrompt prompt;
    final PatsMethod method;
    final List<String> steps = new ArrayList<>();
    final List<Iteration> iterations = new ArrayList<>();
    Mode mode;
    int badCount, iteration, passStart, tokens, scorings;
    boolean done, finished, redone;
    double lastScore;

    State(SearchPrompt prompt, PatsMethod method) {
      this.prompt = prompt;
      this.method = method;
      this.mode = method.initialMode(settings);
    }

    void advance(List<Candidate> candidates, List<Integer> kept, List<Double> scores) {
      int sampled = candidates.stream().mapToInt(Candidate::tokens).sum();
      tokens += sampled;
      scorings += kept.size();
      Mode at = mode;
      List<String> keptText = kept.stream().map(i -> candidates.get(i).text()).toList();
      int best = -1;
      for (int i = 0; i < scores.size(); i++)
        if (best < 0 || scores.get(i) > scores.get(best)) best = i;
      String action;
      if (best < 0) {
        action = "no_candidate";
        if (method == PatsMethod.PATS) mode = Mode.COMPLEX;
      } else {
        double r = scores.get(best);
        boolean accept = true;
        if (method == PatsMethod.PATS) {
          ModeSwitch.Decision d = modeSwitch.decide(mode, badCount, r);
          accept = d.accept();
          mode = d.next();
          badCount = d.badCount();
        }
        if (accept) {
          Candidate chosen = candidates.get(kept.get(best));
          steps.add(chosen.text());
          finished = chosen.isFinal();
          lastScore = r;
          action = finished ? "final" : "accept";
        } else {
          action = "penalty_reject";
        }
      }
      iterations.add(
          new Iteration(
              iteration,
              steps.size() - (action.equals("accept") || action.equals("final") ? 1 : 0),
              at,
              settings.width(at),
              keptText,
              List.copyOf(scores),
              best,
              action,
              badCount,
              sampled));
      iteration++;
      done = finished || iteration - passStart >= settings.maxIterations();
      if (done && method == PatsMethod.SOLUTION_SWITCH && !redone) {
        boolean verified = finished && lastScore >= settings.valueLow();
        if (!verified) {
          // Redo the whole solution in complex mode; later iterations get fresh seeds.
          redone = true;
          steps.clear();
          finished = false;
          done = false;
          mode = Mode.COMPLEX;
          passStart = iteration;
        }
      }
    }

    Outcome outcome() {
      return new Outcome(
          prompt, method, List.copyOf(steps), finished, List.copyOf(iterations), tokens, scorings);
    }
  }
}
