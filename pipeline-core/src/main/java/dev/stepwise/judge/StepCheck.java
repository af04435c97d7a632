package dev.stepwise.judge;

/**
 * The judge response taught by EFT data: the judge first writes the step it expects, then checks
 * each candidate against it, and only then gives the verdict. A tiny model that must answer
 * [[A]]/[[B]] at once stays at chance (docs/design.md); writing the check first lets the verdict
 * follow from text the model has already produced.
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
 */
public final class StepCheck {
  private StepCheck() {}

  /**
   * @param expected the equation of the correct next step, e.g. "12 - 4 = 8"
   * @param equationA the equation of candidate A
   * @param equationB the equation of candidate B
   * @param better which candidate is correct (A or B); its result must equal the expected result
   *     and the other's must not
   */
  public static String response(
      String expected, String equationA, String equationB, Verdict better) {
    String want = result(expected);
    if (better != Verdict.A && better != Verdict.B)
      throw new IllegalArgumentException("better must be A or B, got " + better);
    if (result(better == Verdict.A ? equationA : equationB).equals(want) == false
        || result(better == Verdict.A ? equationB : equationA).equals(want)) {
      throw new IllegalArgumentException(
          "the better step must have the expected result "
              + want
              + " and the other must not: A "
              + equationA
              + ", B "
              + equationB
              + ", better "
              + better);
    }
    return "Expected: "
        + expected
        + "\n"
        + check("A", equationA, want, better == Verdict.A)
        + "\n"
        + check("B", equationB, want, better == Verdict.B)
        + "\nVerdict: "
        + better.tag();
  }

  /**
   * The one-line check a pointwise step judge (a PRM) writes before its verdict, e.g. {@code
   * "Expected: 12 - 4 = 8. Check: 12 - 5 = 7, 7 vs 8, wrong."}.
   */
  public static String pointwise(String expected, String equation) {
    String want = result(expected);
    return "Expected: "
        + expected
        + ". "
        + check("", equation, want, result(equation).equals(want));
  }

  private static String check(String name, String equation, String want, boolean correct) {
    return "Check"
        + (name.isEmpty() ? "" : " " + name)
        + ": "
        + equation
        + ", "
        + result(equation)
        + " vs "
        + want
        + (correct ? ", correct." : ", wrong.");
  }

  /** The result of an equation "a op b = c": the text after its last "= ". */
  public static String result(String equation) {
    int at = equation.lastIndexOf("= ");
    if (at < 0) throw new IllegalArgumentException("not an equation 'a op b = c': " + equation);
    return equation.substring(at + 2).trim();
  }
}
