package dev.stepwise.selfreward;

import dev.stepwise.judge.JudgePrompt;
import dev.stepwise.judge.StepCheck;
import dev.stepwise.judge.Verdict;
import dev.stepwise.sampling.Seeds;
import dev.stepwise.tasks.ArithmeticProblem;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskExample;
import dev.stepwise.tasks.TaskGenerator;
import dev.stepwise.text.StepFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Step-judge (EFT) examples from the policy's own candidate steps, as the paper builds its EFT data
 * (docs/methods.md §A.3: sibling candidate steps of a policy, the best and worst by a PRM). Here
 * the reference solution plays the PRM. For one step of each problem, with the reference steps
 * before it as the prefix, the policy samples candidates; a candidate is right when its numbers are
 * the reference step's ({@link GoldPath}). The pair is the policy's most frequent wrong candidate,
 * its hardest negative, against a right candidate (or the reference step when it sampled none), in
 * the judge format of the synthetic EFT data ({@code tasks.check()}); the wrong candidate must fail
 * that check and the right one pass it (the expected check compares results only, so it skips a
 * wrong step with the right result; the inverse check compares operands first and keeps it).
 *
 * <p>Why: the synthetic EFT pairs put a correct step against a corruption the policy would not
 * write, so a judge can pass them by preferring "the step I would have written", and then endorses
 * its own likely mistakes during the search. Here the wrong step is one it did write.
 */
public final class PolicyEft {
  private static final long STEP = 7;
  private static final Pattern EQUATION = Pattern.compile("(\\d+) ([-+*/]) (\\d+) = (\\d+)");

  private final TaskGenerator tasks;
  private final StepProposer proposer;
  private final int candidates;
  private final long seed;

  /**
   * @param proposer samples the policy's candidate steps (a sampler with temperature, so that it
   *     errs)
   * @param candidates candidates per problem
   * @param seed seeds the chosen step and the candidates of every problem
   */
  public PolicyEft(TaskGenerator tasks, StepProposer proposer, int candidates, long seed) {
    if (candidates < 2)
      throw new IllegalArgumentException(
          "policy EFT needs at least 2 candidates per problem, got " + candidates);
    this.tasks = tasks;
    this.proposer = proposer;
    this.candidates = candidates;
    this.seed = seed;
  }

  /**
   * Examples for problems firstId .. firstId+count-1 of the split, each in one language, ids 2k and
   * 2k+1 sharing one and the languages taking turns (as the synthetic mix). A problem whose
   * candidates are all right, or whose wrong ones hold no equation, gives no example. The right
   * step is Assistant A for even ids and B for odd ones.
   */
  public List<TaskExample> examples(
      Split split, long firstId, int count, List<Language> languages) {
    List<StepProposer.Request> requests = new ArrayList<>();
    List<Item> items = new ArrayList<>();
    for (long id = firstId; id < firstId + count; id++) {
      Language lang = TaskGenerator.pairLanguage(id, languages);
      ArithmeticProblem p = tasks.problem(split, id);
      int step = Seeds.random(seed, STEP, split.ordinal(), id).nextInt(p.steps().size());
      List<String> previous = new ArrayList<>();
      for (int k = 0; k < step; k++)
        previous.add(StepFormat.prefix(k + 1) + p.solutionSteps().get(k));
      Item item = new Item(split, id, lang, p, step, previous, tasks.question(split, id, lang));
      items.add(item);
      requests.add(
          new StepProposer.Request(
              new SearchPrompt(
                  item.exampleId(),
                  lang.code(),
                  item.question(),
                  Integer.toString(p.answer()),
                  Seeds.mix(seed, split.ordinal(), id)),
              previous,
              0,
              candidates));
    }
    List<List<Candidate>> sampled = proposer.propose(requests);
    List<TaskExample> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++)
      items.get(i).example(sampled.get(i), tasks.check()).ifPresent(out::add);
    return out;
  }

  private record Item(
      Split split,
      long id,
      Language lang,
      ArithmeticProblem problem,
      int step,
      List<String> previous,
      String question) {

    String exampleId() {
      return "eft-policy-" + split.label() + "-" + id + "-" + lang.code();
    }

    Optional<TaskExample> example(List<Candidate> candidates, StepCheck check) {
      String reference = StepFormat.prefix(step + 1) + problem.solutionSteps().get(step);
      String solution = StepFormat.render(problem.solutionSteps());
      String expected = problem.equation(step);
      String good = null;
      Map<String, Integer> wrong = new LinkedHashMap<>();
      for (Candidate c : candidates) {
        if (!c.text().startsWith(StepFormat.prefix(step + 1))) continue;
        boolean right = GoldPath.stepCorrect(solution, previous, c.text()).orElseThrow();
        Optional<String> equation = equation(c.text());
        if (equation.isEmpty()) continue;
        boolean passes = check.passes(expected, equation.get());
        if (right && passes && good == null) good = c.text();
        if (!right && !passes) wrong.merge(c.text(), 1, Integer::sum);
      }
      if (wrong.isEmpty()) return Optional.empty();
      String bad =
          wrong.entrySet().stream()
              .max(Map.Entry.comparingByValue())
              .orElseThrow()
              .getKey(); // first of the most frequent
      if (good == null) good = reference;
      Verdict better = id % 2 == 0 ? Verdict.A : Verdict.B;
      String stepA = better == Verdict.A ? good : bad, stepB = better == Verdict.A ? bad : good;
      String response =
          check.response(
              expected, equation(stepA).orElseThrow(), equation(stepB).orElseThrow(), better);
      return Optional.of(
          new TaskExample(
              exampleId(),
              "eft",
              split.label(),
              lang.code(),
              split.idBase() + id,
              JudgePrompt.build(question, previous, stepA, stepB),
              response,
              better.name()));
    }
  }

  /**
   * The first "a op b = c" of a step, e.g. "24 + 11 = 35" of "Step 2: 24 + 11 = 35. The answer is
   * \boxed{35}.".
   */
  static Optional<String> equation(String step) {
    Matcher m = EQUATION.matcher(step);
    return m.find() ? Optional.of(m.group()) : Optional.empty();
  }
}
