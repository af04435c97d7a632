package dev.stepwise.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;

/**
 * How a wrong candidate step differs from the correct one. Every corrupted step has a result
 * different from the correct result, so exactly one candidate of an EFT pair is right.
 */
public enum Corruption {
  /** Right operands and operation, wrong result (an arithmetic slip). */
  WRONG_RESULT,
  /** One operand changed (misread number or carried-over value), result computed from it. */
  WRONG_OPERAND,
  /** Another operation applied to the right operands. */
  WRONG_OPERATION;

  /** A wrong step: its equation parts. */
  public record WrongStep(Corruption kind, int left, Operation operation, int right, int result) {
    public String equation() {
      return Operation.equation(left, operation, right, result);
    }
  }

  /**
   * Corrupts step i of the problem, trying a kind picked by rng first and the others in order when
   * it cannot apply (e.g. no other divisor divides the value).
   */
  static WrongStep corrupt(ArithmeticProblem problem, int i, TaskConfig config, Random rng) {
    int first = rng.nextInt(values().length);
    for (int k = 0; k < values().length; k++) {
      WrongStep wrong = values()[(first + k) % values().length].apply(problem, i, config, rng);
      if (wrong != null) return wrong;
    }
    throw new IllegalStateException(
        "step " + i + " of " + problem + " cannot be corrupted"); // WRONG_RESULT always applies
  }

  private WrongStep apply(ArithmeticProblem problem, int i, TaskConfig config, Random rng) {
    int left = problem.value(i),
        right = problem.steps().get(i).operand(),
        result = problem.value(i + 1);
    Operation op = problem.steps().get(i).operation();
    List<WrongStep> options = new ArrayList<>();
    switch (this) {
      case WRONG_RESULT -> {
        for (int d = -3; d <= 3; d++)
          if (d != 0 && result + d >= 0)
            options.add(new WrongStep(this, left, op, right, result + d));
      }
      case WRONG_OPERAND -> {
        for (int d = -3; d <= 3; d++) {
          addIfValid(options, left, op, right + d, result, right + d >= 1);
          addIfValid(options, left + d, op, right, result, left + d >= 0);
        }
      }
      case WRONG_OPERATION -> {
        for (Operation other : Operation.values())
          if (other != op && config.operations().contains(other))
            addIfValid(options, left, other, right, result, true);
      }
    }
    return options.isEmpty() ? null : options.get(rng.nextInt(options.size()));
  }

  private void addIfValid(
      List<WrongStep> options,
      int left,
      Operation op,
      int right,
      int correctResult,
      boolean inRange) {
    if (!inRange) return;
    OptionalInt r = op.apply(left, right);
    if (r.isPresent() && r.getAsInt() != correctResult)
      options.add(new WrongStep(this, left, op, right, r.getAsInt()));
  }
}
