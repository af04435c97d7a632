package dev.stepwise.search;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A solution (or its first steps) with a correctness label per step, in the PRM800K / Math-Shepherd
 * style: question, steps, labels. Solutions to be scored only have no labels.
 *
 * @param checks per step, the check a PRM is taught to write before its verdict ({@link
 *     dev.stepwise.judge.StepCheck#pointwise}); empty when the data has none (imported labels)
 */
public record LabelledSolution(
    String id,
    String lang,
    String question,
    List<String> steps,
    List<Boolean> labels,
    List<String> checks)
    implements Serializable {

  public LabelledSolution {
    steps = List.copyOf(steps);
    labels = List.copyOf(labels);
    checks = List.copyOf(checks);
    if (steps.isEmpty())
      throw new IllegalArgumentException("labelled solution " + id + " has no steps");
    requireOnePerStep(id, steps, labels, "labels");
    requireOnePerStep(id, steps, checks, "checks");
  }

  private static void requireOnePerStep(
      String id, List<String> steps, List<?> values, String what) {
    if (!values.isEmpty() && values.size() != steps.size())
      throw new IllegalArgumentException(
          "labelled solution "
              + id
              + " has "
              + steps.size()
              + " steps but "
              + values.size()
              + " "
              + what);
  }

  public boolean labelled() {
    return !labels.isEmpty();
  }

  /** Each step as a PRM request: the step after the steps before it. */
  public List<Prm.Request> requests() {
    List<Prm.Request> out = new ArrayList<>();
    for (int k = 0; k < steps.size(); k++)
      out.add(new Prm.Request(question, steps.subList(0, k), steps.get(k)));
    return out;
  }

  /** Every step with its label, after the steps before it. */
  public List<LabelledStep> labelledSteps() {
    if (!labelled()) throw new IllegalStateException("solution " + id + " has no labels");
    List<Prm.Request> requests = requests();
    List<LabelledStep> out = new ArrayList<>();
    for (int k = 0; k < steps.size(); k++)
      out.add(
          new LabelledStep(
              id + "#" + k,
              lang,
              requests.get(k),
              labels.get(k),
              checks.isEmpty() ? null : checks.get(k)));
    return out;
  }

  /** The labelled steps of all solutions. */
  public static List<LabelledStep> steps(List<LabelledSolution> solutions) {
    return solutions.stream().flatMap(s -> s.labelledSteps().stream()).toList();
  }
}
