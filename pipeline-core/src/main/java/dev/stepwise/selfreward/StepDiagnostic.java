package dev.stepwise.selfreward;

import dev.stepwise.sampling.Seeds;
import dev.stepwise.tasks.ArithmeticProblem;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskGenerator;
import dev.stepwise.text.StepFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Can DPO toward the judge's choices lift greedy accuracy? Held-out accuracy is greedy, so only a
 * chosen step that is right more often than the greedy step can pull greedy up. On the same
 * prefixes (a held-out problem, the reference steps before the step in question) this measures the
 * step accuracy of the greedy step, one candidate sampled as the search samples, the step the
 * search's judge keeps out of its w candidates ({@link StepSearch#step}, {@link
 * StepSearch.Choice}), the step it rejects, and an oracle that takes a right candidate whenever
 * there is one. A step is right when its numbers are the reference step's ({@link GoldPath}).
 */
public final class StepDiagnostic {
  private final TaskGenerator tasks;
  private final StepProposer greedy;
  private final StepSearch search;
  private final int candidates;
  private final long seed;

  /**
   * @param greedy proposes the greedy step (one candidate per request)
   * @param search samples and judges the candidates, as the search stage does
   * @param candidates w
   * @param seed seeds every prefix's candidates and judging order
   */
  public StepDiagnostic(
      TaskGenerator tasks, StepProposer greedy, StepSearch search, int candidates, long seed) {
    this.tasks = tasks;
    this.greedy = greedy;
    this.search = search;
    this.candidates = candidates;
    this.seed = seed;
  }

  /**
   * What happened on one prefix. {@code decided}: the judge's wins were not all tied, so the search
   * keeps a pair (chosen, rejected); when they tie, {@code chosen} is the candidate the search
   * keeps anyway (the first) and {@code rejected} is false.
   */
  public record Outcome(
      String id,
      int step,
      boolean greedy,
      boolean random,
      int margin,
      boolean chosen,
      boolean rejected,
      boolean oracle,
      int distinct) {}

  /**
   * Every step of problems firstId .. firstId+count-1 of the split, each problem in one language
   * (the languages taking turns), in one batch.
   */
  public List<Outcome> run(Split split, long firstId, int count, List<Language> languages) {
    List<StepProposer.Request> one = new ArrayList<>(), many = new ArrayList<>();
    List<String> references = new ArrayList<>();
    for (long id = firstId; id < firstId + count; id++) {
      Language lang = languages.get((int) (id % languages.size()));
      ArithmeticProblem p = tasks.problem(split, id);
      String question = tasks.question(split, id, lang);
      List<String> previous = new ArrayList<>();
      for (int k = 0; k < p.steps().size(); k++) {
        SearchPrompt prompt =
            new SearchPrompt(
                split.label() + "-" + id + "-" + lang.code() + "-step" + (k + 1),
                lang.code(),
                question,
                Integer.toString(p.answer()),
                Seeds.mix(seed, split.ordinal(), id, k));
        one.add(new StepProposer.Request(prompt, List.copyOf(previous), 0, 1));
        many.add(new StepProposer.Request(prompt, List.copyOf(previous), 0, candidates));
        references.add(StepFormat.render(p.solutionSteps()));
        previous.add(StepFormat.prefix(k + 1) + p.solutionSteps().get(k));
      }
    }
    List<List<Candidate>> greedySteps = greedy.propose(one);
    List<List<JudgedCandidate>> judged = search.step(many);
    List<Outcome> out = new ArrayList<>();
    for (int i = 0; i < many.size(); i++) {
      StepProposer.Request r = many.get(i);
      String reference = references.get(i);
      List<JudgedCandidate> list = judged.get(i);
      boolean[] right = new boolean[list.size()];
      boolean any = false;
      for (int c = 0; c < list.size(); c++) {
        right[c] = correct(reference, r.previousSteps(), list.get(c).candidate().text());
        any |= right[c];
      }
      StepSearch.Choice choice = StepSearch.Choice.of(list);
      out.add(
          new Outcome(
              r.prompt().id(),
              r.previousSteps().size() + 1,
              correct(reference, r.previousSteps(), greedySteps.get(i).get(0).text()),
              right[0],
              choice.allTied()
                  ? 0
                  : list.get(choice.best()).wins() - list.get(choice.worst()).wins(),
              right[choice.best()],
              !choice.allTied() && right[choice.worst()],
              any,
              (int) list.stream().map(c -> c.candidate().text()).distinct().count()));
    }
    return out;
  }

  private static boolean correct(String reference, List<String> previous, String step) {
    return GoldPath.stepCorrect(reference, previous, step).orElseThrow();
  }

  /** Right steps out of all, with a Wilson 95% interval. */
  public record Rate(int right, int total) {
    public double value() {
      return total == 0 ? Double.NaN : (double) right / total;
    }

    /** Half the width of the Wilson score interval at 95%, and its centre. */
    public double[] wilson() {
      if (total == 0) return new double[] {Double.NaN, Double.NaN};
      double z = 1.96, n = total, p = value(), z2 = z * z;
      double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
      double half = z / (1 + z2 / n) * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n));
      return new double[] {centre, half};
    }
  }

  /** One row of the table: its rate on all prefixes (null where undefined) and on the decided. */
  public record Row(String name, Rate all, Rate decided) {}

  /**
   * The counts of a set of outcomes, on all prefixes and on the decided ones: a win margin of at
   * least {@code minMargin} (and 1), the pairs the pairs stage keeps and DPO learns from. {@code
   * gain} is chosen minus greedy on the decided prefixes, paired, with {@code gainHalf} half its
   * 95% interval (normal approximation of the per-prefix differences).
   */
  public record Table(
      int minMargin,
      int prefixes,
      int decided,
      List<Row> rows,
      double meanDistinct,
      double gain,
      double gainHalf) {

    public static Table of(List<Outcome> outcomes, int minMargin) {
      List<Outcome> decided =
          outcomes.stream().filter(o -> o.margin() >= Math.max(1, minMargin)).toList();
      double[] gain = pairedDifference(decided);
      return new Table(
          minMargin,
          outcomes.size(),
          decided.size(),
          List.of(
              new Row("greedy", rate(outcomes, Outcome::greedy), rate(decided, Outcome::greedy)),
              new Row(
                  "random candidate",
                  rate(outcomes, Outcome::random),
                  rate(decided, Outcome::random)),
              new Row(
                  "judge's chosen",
                  rate(outcomes, Outcome::chosen),
                  rate(decided, Outcome::chosen)),
              new Row("judge's rejected", null, rate(decided, Outcome::rejected)),
              new Row(
                  "oracle best-of-w",
                  rate(outcomes, Outcome::oracle),
                  rate(decided, Outcome::oracle))),
          outcomes.stream().mapToInt(Outcome::distinct).average().orElse(0),
          gain[0],
          gain[1]);
    }

    private static Rate rate(List<Outcome> outcomes, Predicate<Outcome> right) {
      return new Rate((int) outcomes.stream().filter(right).count(), outcomes.size());
    }

    private static double[] pairedDifference(List<Outcome> decided) {
      int m = decided.size();
      if (m == 0) return new double[] {Double.NaN, Double.NaN};
      double[] d = new double[m];
      double mean = 0, var = 0;
      for (int i = 0; i < m; i++) {
        d[i] = (decided.get(i).chosen() ? 1 : 0) - (decided.get(i).greedy() ? 1 : 0);
        mean += d[i] / m;
      }
      for (double v : d) var += (v - mean) * (v - mean);
      var = m > 1 ? var / (m - 1) : 0;
      return new double[] {mean, 1.96 * Math.sqrt(var / m)};
    }
  }
}
