package dev.stepwise.judge;

import dev.stepwise.io.ConfigEnums;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The judge response taught by EFT data (config key {@code stepwise.judge.check}): the judge first
 * writes what it expects, then checks each candidate against it, and only then gives the verdict. A
 * tiny model that must answer [[A]]/[[B]] at once stays at chance (docs/design.md); writing the
 * check first lets the verdict follow from text the model has already produced.
 *
 * <p>{@link #EXPECTED} recomputes the step and compares results:
 *
 * <pre>
 * Expected: 12 - 4 = 8
 * Check A: 12 - 5 = 7, 7 vs 8, wrong.
 * Check B: 12 - 4 = 8, 8 vs 8, correct.
 * Verdict: [[B]]
 * </pre>
 *
 * Each check puts the candidate's result next to the expected one ("7 vs 8") before deciding.
 * Without that, the tiny M1 had to compare the candidate's equation with the Expected line two
 * lines up, and got a third of those comparisons wrong even when its Expected line was right (112
 * of 334 held-out pairs); comparing two adjacent numbers is a local decision.
 *
 * <p>{@link #INVERSE} never computes the step forward: the Expected line names only the operation
 * and its operands, each candidate's operands are put next to them, and a candidate with the right
 * operands is checked by the inverse operation, its result taken back to the first operand:
 *
 * <pre>
 * Expected: 12 - 4
 * Check A: 12 - 5 vs 12 - 4, wrong.
 * Check B: 12 - 4 vs 12 - 4, 8 + 4 = 12 vs 12, correct.
 * Verdict: [[B]]
 * </pre>
 *
 * Why: with EXPECTED the judge's remaining errors on the policy's own steps are its own arithmetic
 * (it writes the same wrong result as the candidate it then endorses); the inverse operation is an
 * independent route, so the same slip does not reproduce itself. A product is checked by division
 * with remainder ("25 / 4 = 6 r 1 vs 6, wrong."); the decisive comparison is again two adjacent
 * values.
 */
public enum StepCheck {
  EXPECTED,
  INVERSE;

  private static final Pattern EQUATION = Pattern.compile("(\\d+) ([-+*/]) (\\d+) = (-?\\d+)");

  /** The style named by the config value ("expected" or "inverse"). */
  public static StepCheck parse(String value) {
    return ConfigEnums.parse(StepCheck.class, "stepwise.judge.check", value);
  }

  /**
   * @param expected the equation of the correct next step, e.g. "12 - 4 = 8"
   * @param equationA the equation of candidate A
   * @param equationB the equation of candidate B
   * @param better which candidate is correct (A or B); it must pass this check and the other must
   *     not
   */
  public String response(String expected, String equationA, String equationB, Verdict better) {
    if (better != Verdict.A && better != Verdict.B)
      throw new IllegalArgumentException("better must be A or B, got " + better);
    String good = better == Verdict.A ? equationA : equationB,
        bad = better == Verdict.A ? equationB : equationA;
    if (!passes(expected, good) || passes(expected, bad)) {
      throw new IllegalArgumentException(
          "the better step must pass the "
              + name().toLowerCase()
              + " check against "
              + expected
              + " and the other must not: A "
              + equationA
              + ", B "
              + equationB
              + ", better "
              + better);
    }
    return "Expected: "
        + expectedText(expected)
        + "\n"
        + check("A", expected, equationA)
        + "\n"
        + check("B", expected, equationB)
        + "\nVerdict: "
        + better.tag();
  }

  /**
   * The one-line check a pointwise step judge (a PRM) writes before its verdict, e.g. {@code
   * "Expected: 12 - 4 = 8. Check: 12 - 5 = 7, 7 vs 8, wrong."}.
   */
  public String pointwise(String expected, String equation) {
    return "Expected: " + expectedText(expected) + ". " + check("", expected, equation);
  }

  /** Whether the candidate's equation passes this check against the expected equation. */
  public boolean passes(String expected, String equation) {
    return switch (this) {
      case EXPECTED -> result(equation).equals(result(expected));
      case INVERSE -> {
        Parts want = Parts.of(expected), got = Parts.of(equation);
        yield got.operation().equals(want.operation()) && got.inverse().equals(got.left);
      }
    };
  }

  private String expectedText(String expected) {
    return this == EXPECTED ? expected : Parts.of(expected).operation();
  }

  private String check(String name, String expected, String equation) {
    String line = "Check" + (name.isEmpty() ? "" : " " + name) + ": ";
    boolean correct = passes(expected, equation);
    if (this == EXPECTED)
      return line
          + equation
          + ", "
          + result(equation)
          + " vs "
          + result(expected)
          + (correct ? ", correct." : ", wrong.");
    Parts want = Parts.of(expected), got = Parts.of(equation);
    line += got.operation() + " vs " + want.operation();
    if (!got.operation().equals(want.operation())) return line + ", wrong.";
    // "8 + 4 = 12 vs 12": the value taken back stands next to the operand it must give back, in
    // as few tokens as the expected check (the judge writes at most search.max_judge_tokens).
    String back = got.inverse();
    return line
        + ", "
        + got.result
        + " "
        + got.inverseSymbol()
        + " "
        + got.right
        + " = "
        + back
        + " vs "
        + got.left
        + (correct ? ", correct." : ", wrong.");
  }

  /** The result of an equation "a op b = c": the text after its last "= ". */
  public static String result(String equation) {
    int at = equation.lastIndexOf("= ");
    if (at < 0) throw new IllegalArgumentException("not an equation 'a op b = c': " + equation);
    return equation.substring(at + 2).trim();
  }

  /** "a op b = c" of non-negative integers a, b (c may be negative: a slip). */
  private record Parts(String left, String op, String right, String result) {
    static Parts of(String equation) {
      Matcher m = EQUATION.matcher(equation);
      if (!m.matches())
        throw new IllegalArgumentException(
            "the inverse check needs one operation 'a op b = c' of whole numbers, got: "
                + equation);
      return new Parts(m.group(1), m.group(2), m.group(3), m.group(4));
    }

    String operation() {
      return left + " " + op + " " + right;
    }

    String inverseSymbol() {
      return switch (op) {
        case "+" -> "-";
        case "-" -> "+";
        case "*" -> "/";
        default -> "*";
      };
    }

    /** The result taken back through the inverse operation; "q r m" when a division leaves m. */
    String inverse() {
      long c = Long.parseLong(result), b = Long.parseLong(right);
      return switch (op) {
        case "+" -> Long.toString(c - b);
        case "-" -> Long.toString(c + b);
        case "*" -> {
          if (b == 0)
            throw new IllegalArgumentException(
                "the inverse check cannot divide back by 0: " + operation() + " = " + result);
          long q = Math.floorDiv(c, b), m = Math.floorMod(c, b);
          yield m == 0 ? Long.toString(q) : q + " r " + m;
        }
        default -> Long.toString(c * b);
      };
    }
  }
}
