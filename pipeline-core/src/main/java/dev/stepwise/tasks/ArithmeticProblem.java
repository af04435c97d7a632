package dev.stepwise.tasks;

import dev.stepwise.sampling.Seeds;
import java.util.ArrayList;
import java.util.List;

/**
 * The numbers of a word problem: a start value and a chain of operations on the running value. Step
 * i of the solution is {@code value(i) op operand = value(i+1)}; the answer is the last value.
 */
public record ArithmeticProblem(int start, List<Step> steps) {
  public record Step(Operation operation, int operand) {}

  public ArithmeticProblem {
    steps = List.copyOf(steps);
  }

  /** Running values: value(0) = start, value(i+1) = value(i) op_i operand_i. */
  public int value(int i) {
    int v = start;
    for (int k = 0; k < i; k++)
      v = steps.get(k).operation().apply(v, steps.get(k).operand()).orElseThrow();
    return v;
  }

  public int answer() {
    return value(steps.size());
  }

  /** The equation of step i (0-based), e.g. "12 - 4 = 8". */
  public String equation(int i) {
    Step s = steps.get(i);
    return Operation.equation(value(i), s.operation(), s.operand(), value(i + 1));
  }

  /** The solution's step bodies: one equation each, the last one followed by the boxed answer. */
  public List<String> solutionSteps() {
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < steps.size(); i++)
      bodies.add(i == steps.size() - 1 ? finalStep(equation(i), answer()) : equation(i));
    return bodies;
  }

  static String finalStep(String equation, int answer) {
    return equation + ". The answer is \\boxed{" + answer + "}.";
  }

  /** A hash of the numbers and operations only: what decides the split. */
  long signature() {
    long[] parts = new long[steps.size() * 2];
    for (int i = 0; i < steps.size(); i++) {
      parts[2 * i] = steps.get(i).operation().ordinal();
      parts[2 * i + 1] = steps.get(i).operand();
    }
    return Seeds.mix(start, parts);
  }
}
