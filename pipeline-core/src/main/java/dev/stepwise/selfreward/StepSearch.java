package dev.stepwise.selfreward;

import dev.stepwise.judge.Verdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Step-wise search with self-judging (docs/methods.md §A.5), run for a batch of prompts in lock
 * step so that candidate generation and judging are batched across prompts:
 *
 * <ol>
 *   <li>sample w candidate next steps;
 *   <li>judge every unordered pair once (in a seeded random A/B order), or in both orders;
 *   <li>score = wins; keep the best, record (best, worst) as a preference pair;
 *   <li>when every candidate ties, discard the previous step and its pair (roll back);
 *   <li>stop at a final step (boxed answer) or after {@code maxIterations}.
 * </ol>
 */
public final class StepSearch {

  private final SearchSettings settings;
  private final StepProposer proposer;
  private final PairJudge judge;

  public StepSearch(SearchSettings settings, StepProposer proposer, PairJudge judge) {
    this.settings = settings;
    this.proposer = proposer;
    this.judge = judge;
  }

  public List<SearchOutcome> run(List<SearchPrompt> prompts) {
    List<PromptState> states = prompts.stream().map(PromptState::new).toList();
    List<PromptState> active = new ArrayList<>(states);
    while (!active.isEmpty()) {
      List<StepProposer.Request> requests = new ArrayList<>();
      for (PromptState s : active) {
        requests.add(
            new StepProposer.Request(
                s.prompt, List.copyOf(s.steps), s.iteration, settings.candidates()));
      }
      List<List<JudgedCandidate>> judged = step(requests);
      List<PromptState> next = new ArrayList<>();
      for (int p = 0; p < active.size(); p++) {
        PromptState s = active.get(p);
        s.advance(judged.get(p), settings);
        if (!s.done) {
          next.add(s);
        }
      }
      active = next;
    }
    return states.stream().map(PromptState::outcome).toList();
  }

  /**
   * One step iteration of the search for each request: its candidates sampled, then every unordered
   * pair judged by the model (in a seeded random A/B order from the prompt's seed and iteration, or
   * in both orders), each candidate with its wins. {@link Choice} picks from them. Also what `bench
   * steps` measures the judge with, on reference prefixes.
   */
  public List<List<JudgedCandidate>> step(List<StepProposer.Request> requests) {
    return judge(requests, proposer.propose(requests));
  }

  private List<List<JudgedCandidate>> judge(
      List<StepProposer.Request> requests, List<List<Candidate>> proposals) {
    List<PairJudge.Request> judgeRequests = new ArrayList<>();
    List<int[]> slots = new ArrayList<>(); // (request index, candidate a, candidate b) per judgment
    for (int p = 0; p < requests.size(); p++) {
      StepProposer.Request s = requests.get(p);
      List<Candidate> candidates = proposals.get(p);
      SplittableRandom order = new SplittableRandom(s.prompt().seed() * 31 + s.iteration());
      for (int i = 0; i < candidates.size(); i++) {
        for (int j = i + 1; j < candidates.size(); j++) {
          boolean flip = order.nextBoolean();
          int a = flip ? j : i;
          int b = flip ? i : j;
          judgeRequests.add(
              new PairJudge.Request(
                  s.prompt(),
                  s.previousSteps(),
                  candidates.get(a).text(),
                  candidates.get(b).text()));
          slots.add(new int[] {p, a, b});
          if (settings.judgeBothOrders()) {
            judgeRequests.add(
                new PairJudge.Request(
                    s.prompt(),
                    s.previousSteps(),
                    candidates.get(b).text(),
                    candidates.get(a).text()));
            slots.add(new int[] {p, b, a});
          }
        }
      }
    }
    List<PairJudge.Judgment> judgments = judgeDistinct(judgeRequests);
    List<List<JudgedCandidate>> judged = new ArrayList<>();
    for (List<Candidate> candidates : proposals) {
      List<JudgedCandidate> list = new ArrayList<>();
      candidates.forEach(c -> list.add(new JudgedCandidate(c)));
      judged.add(list);
    }
    for (int r = 0; r < judgeRequests.size(); r++) {
      int[] slot = slots.get(r);
      List<JudgedCandidate> list = judged.get(slot[0]);
      if (judgments.get(r) == IDENTICAL && settings.copiesAgree()) {
        list.get(slot[1]).recordCopy(slot[2], true);
        list.get(slot[2]).recordCopy(slot[1], false);
        continue;
      }
      list.get(slot[1]).record(judgments.get(r), slot[2], true);
      list.get(slot[2]).record(judgments.get(r), slot[1], false);
    }
    return judged;
  }

  /**
   * The search's choice among judged candidates: {@code best} the first with the most wins, {@code
   * worst} the first with the fewest, or -1 when all tied (no pair).
   */
  public record Choice(int best, int worst) {
    public boolean allTied() {
      return worst < 0;
    }

    public static Choice of(List<JudgedCandidate> candidates) {
      int best = 0;
      int worst = 0;
      for (int i = 1; i < candidates.size(); i++) {
        if (candidates.get(i).wins() > candidates.get(best).wins()) {
          best = i;
        }
        if (candidates.get(i).wins() < candidates.get(worst).wins()) {
          worst = i;
        }
      }
      boolean allTied = candidates.get(best).wins() == candidates.get(worst).wins();
      return new Choice(best, allTied ? -1 : worst);
    }
  }

  /**
   * Judges each distinct (prompt, steps, A, B) once: sampled candidates often repeat, and two
   * identical steps cannot be preferred one over the other (a tie, without asking the judge).
   */
  private List<PairJudge.Judgment> judgeDistinct(List<PairJudge.Request> requests) {
    Map<PairJudge.Request, Integer> index = new LinkedHashMap<>();
    for (PairJudge.Request r : requests) {
      if (!r.stepA().equals(r.stepB())) {
        index.putIfAbsent(r, index.size());
      }
    }
    List<PairJudge.Judgment> distinct =
        index.isEmpty() ? List.of() : judge.judge(new ArrayList<>(index.keySet()));
    List<PairJudge.Judgment> out = new ArrayList<>(requests.size());
    for (PairJudge.Request r : requests) {
      Integer i = index.get(r);
      out.add(i == null ? IDENTICAL : distinct.get(i));
    }
    return out;
  }

  private static final PairJudge.Judgment IDENTICAL =
      new PairJudge.Judgment("(identical steps: not judged)", Verdict.TIE, 0);

  /** The evolving search of one prompt. */
  private static final class PromptState {
    final SearchPrompt prompt;
    final List<String> steps = new ArrayList<>();
    final List<StepPair> pairs = new ArrayList<>(); // pairs.get(k) belongs to steps.get(k), or null
    final List<Integer> stepIterations = new ArrayList<>(); // the iteration that accepted each step
    final List<StepRound> rounds = new ArrayList<>();
    int iteration;
    int rollbacks;
    boolean done;
    boolean finished;

    PromptState(SearchPrompt prompt) {
      this.prompt = prompt;
    }

    void advance(List<JudgedCandidate> candidates, SearchSettings settings) {
      Choice choice = Choice.of(candidates);
      int best = choice.best();
      boolean allTied = choice.allTied();
      int worst = allTied ? best : choice.worst();
      List<String> previous = List.copyOf(steps);
      String outcome;
      if (allTied && rollbacks < settings.maxRollbacks()) {
        rollbacks++;
        outcome = steps.isEmpty() ? "resample" : "rollback";
        if (!steps.isEmpty()) {
          steps.remove(steps.size() - 1);
          pairs.remove(pairs.size() - 1);
          stepIterations.remove(stepIterations.size() - 1);
        }
      } else {
        Candidate chosen = candidates.get(best).candidate();
        Candidate rejected = candidates.get(worst).candidate();
        boolean usable = !allTied && !chosen.text().equals(rejected.text());
        pairs.add(
            usable
                ? new StepPair(
                    steps.size() + 1,
                    List.copyOf(steps),
                    chosen,
                    rejected,
                    candidates.get(best).wins(),
                    candidates.get(worst).wins())
                : null);
        steps.add(chosen.text());
        stepIterations.add(iteration);
        outcome = allTied ? "kept_tied" : "accepted";
        finished = chosen.isFinal();
      }
      boolean kept = outcome.equals("accepted") || outcome.equals("kept_tied");
      rounds.add(
          new StepRound(
              iteration, previous, outcome, candidates, kept ? best : -1, allTied ? -1 : worst));
      iteration++;
      done = finished || iteration >= settings.maxIterations();
    }

    SearchOutcome outcome() {
      List<StepPair> kept = pairs.stream().filter(Objects::nonNull).toList();
      return new SearchOutcome(
          prompt,
          List.copyOf(steps),
          finished,
          kept,
          List.copyOf(rounds),
          rollbacks,
          Set.copyOf(stepIterations));
    }
  }
}
