package dev.stepwise.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PSRLM step format: a solution is lines that begin {@code "Step n: "} (n = 1, 2, ...); the
 * final step holds the answer in {@code \boxed{}}. A step runs until the next line that begins
 * {@code "Step k:"}, so multi-line steps are fine.
 */
public final class StepFormat {
  private static final Pattern STEP_START = Pattern.compile("(?m)^Step (\\d+): ?");
  private static final Pattern NEXT_STEP = Pattern.compile("\nStep \\d+:");

  /**
   * One parsed step: its number as written and its body (the text after {@code "Step n: "},
   * trailing whitespace removed).
   */
  public record Step(int number, String body) {
    /** The step as it appears in a solution: {@code "Step n: body"}. */
    public String line() {
      return prefix(number) + body;
    }

    public boolean isFinal() {
      return StepFormat.isFinal(body);
    }
  }

  private StepFormat() {}

  public static String prefix(int n) {
    return "Step " + n + ": ";
  }

  /** The solution text of step bodies, numbered from 1, one step a line. */
  public static String render(List<String> bodies) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < bodies.size(); i++) {
      if (i > 0) out.append('\n');
      out.append(prefix(i + 1)).append(bodies.get(i));
    }
    return out.toString();
  }

  /** The steps of a solution; text before the first {@code "Step n:"} line is ignored. */
  public static List<Step> parse(String solution) {
    List<Step> steps = new ArrayList<>();
    Matcher m = STEP_START.matcher(solution);
    int number = -1, bodyStart = -1;
    while (m.find()) {
      if (number >= 0)
        steps.add(new Step(number, solution.substring(bodyStart, m.start()).stripTrailing()));
      number = Integer.parseInt(m.group(1));
      bodyStart = m.end();
    }
    if (number >= 0) steps.add(new Step(number, solution.substring(bodyStart).stripTrailing()));
    return steps;
  }

  /**
   * Why a solution is not in the step format, or empty when it is: it must start with {@code "Step
   * 1: "}, number its steps 1, 2, ... and end with a step that holds a {@code \boxed{}} answer.
   */
  public static Optional<String> problem(String solution) {
    List<Step> steps = parse(solution);
    if (steps.isEmpty()) return Optional.of("no line starts with \"Step 1: \"");
    if (!solution.substring(0, solution.indexOf("Step ")).isBlank())
      return Optional.of("text before \"Step 1: \"");
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i).number() != i + 1)
        return Optional.of("step " + (i + 1) + " is numbered " + steps.get(i).number());
      if (steps.get(i).body().isBlank()) return Optional.of("step " + (i + 1) + " is empty");
    }
    if (!steps.get(steps.size() - 1).isFinal())
      return Optional.of("the last step has no \\boxed{} answer");
    return Optional.empty();
  }

  /** A step is final when it holds a complete {@code \boxed{...}} answer. */
  public static boolean isFinal(String step) {
    return Answers.boxed(step).isPresent();
  }

  /**
   * Where the current step ends in text generated after a step prefix: the index of the newline
   * that starts the next {@code "Step k:"} line, or -1 while the step is still open. Generation of
   * one step stops there (or at eos).
   */
  public static int endOfStep(String generated) {
    Matcher m = NEXT_STEP.matcher(generated);
    return m.find() ? m.start() : -1;
  }
}
