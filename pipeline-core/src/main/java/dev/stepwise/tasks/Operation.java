package dev.stepwise.tasks;

import java.util.OptionalInt;

/** The four operations of the word problems; each step of a solution applies one. */
public enum Operation {
  ADD("+"),
  SUBTRACT("-"),
  MULTIPLY("*"),
  DIVIDE("/");

  public final String symbol;

  Operation(String symbol) {
    this.symbol = symbol;
  }

  /** left op right, or empty when the result would leave the non-negative integers. */
  public OptionalInt apply(int left, int right) {
    return switch (this) {
      case ADD -> OptionalInt.of(left + right);
      case SUBTRACT -> left >= right ? OptionalInt.of(left - right) : OptionalInt.empty();
      case MULTIPLY -> OptionalInt.of(left * right);
      case DIVIDE ->
          right > 0 && left % right == 0 ? OptionalInt.of(left / right) : OptionalInt.empty();
    };
  }

  /** The step's equation, e.g. "12 - 4 = 8". */
  public static String equation(int left, Operation op, int right, int result) {
    return left + " " + op.symbol + " " + right + " = " + result;
  }
}
