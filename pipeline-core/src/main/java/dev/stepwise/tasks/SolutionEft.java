package dev.stepwise.tasks;

import dev.stepwise.judge.StepCheck;
import dev.stepwise.judge.Verdict;
import dev.stepwise.sampling.Seeds;
import dev.stepwise.text.PromptTemplates;
import dev.stepwise.text.StepFormat;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Step-judge (EFT) examples built from a step-format reference solution by the synthetic task's
 * corruption scheme ({@link Corruption}): one step that holds an equation "a op b = c" gets a wrong
 * result, or (for a single operation) a changed operand with its result recomputed. The right and
 * the wrong step make two examples, the right one as Assistant A and as B, so positions are
 * balanced; the response is the judge check the synthetic EFT teaches by default ({@link
 * StepCheck#EXPECTED}: these equations may chain several operations on decimals, which the inverse
 * check does not take).
 */
public final class SolutionEft {
  private static final long EFT = 4;
  private static final String NUM = "\\d[\\d,]*(?:\\.\\d+)?";
  private static final String OP = "[-+*/×x]";

  /**
   * An equation in a step: operands joined by operators, "=", the result; "$" before numbers
   * allowed.
   */
  private static final Pattern EQUATION =
      Pattern.compile(
          "\\$?(" + NUM + ")((?:\\s*" + OP + "\\s*\\$?" + NUM + ")+)\\s*=\\s*\\$?(" + NUM + ")");

  private static final Pattern TERM = Pattern.compile("\\s*(" + OP + ")\\s*\\$?(" + NUM + ")");

  private SolutionEft() {}

  /** A right step against a wrong one after the same earlier steps. */
  public record Contrast(
      List<String> previousSteps,
      String right,
      String wrong,
      String expected,
      String wrongEquation) {}

  /**
   * The contrast of one seeded step of the solution: among the steps with an equation, one is
   * picked by Random(seed, id); empty when no step has one.
   */
  public static Optional<Contrast> contrast(String solution, long seed, String id) {
    List<StepFormat.Step> steps = StepFormat.parse(solution);
    List<Integer> candidates = new ArrayList<>();
    for (int i = 0; i < steps.size(); i++)
      if (EQUATION.matcher(steps.get(i).body()).find()) candidates.add(i);
    if (candidates.isEmpty()) return Optional.empty();
    Random rng = Seeds.random(seed, EFT, id.hashCode());
    int at = candidates.get(rng.nextInt(candidates.size()));
    StepFormat.Step step = steps.get(at);
    Matcher m = EQUATION.matcher(step.body());
    int start = -1, end = -1;
    String first = null, terms = null, result = null;
    while (m.find()) {
      start = m.start();
      end = m.end();
      first = m.group(1);
      terms = m.group(2);
      result = m.group(3);
    }
    Equation right = new Equation(number(first), terms(terms), number(result));
    Equation wrong = right.corrupt(rng);
    List<String> previous = new ArrayList<>();
    for (int k = 0; k < at; k++) previous.add(steps.get(k).line());
    // Both steps get the equation in one plain form, so no "$" or "," tells the wrong one apart.
    return Optional.of(
        new Contrast(
            previous,
            rewrite(step, start, end, result, right),
            rewrite(step, start, end, result, wrong),
            right.text(),
            wrong.text()));
  }

  private static String rewrite(
      StepFormat.Step step, int start, int end, String result, Equation equation) {
    String body = step.body().substring(0, start) + equation.text() + step.body().substring(end);
    return StepFormat.prefix(step.number())
        + body.replace("\\boxed{" + result + "}", "\\boxed{" + plain(equation.result) + "}");
  }

  /**
   * The two judge examples of a contrast (right step as A, then as B).
   *
   * @param id the source problem's id; the examples are "eft-ID-A" and "eft-ID-B"
   */
  public static List<TaskExample> examples(
      Contrast c,
      String id,
      String split,
      String lang,
      String question,
      PromptTemplates templates) {
    List<TaskExample> out = new ArrayList<>();
    for (Verdict better : List.of(Verdict.A, Verdict.B)) {
      boolean a = better == Verdict.A;
      String response =
          StepCheck.EXPECTED.response(
              c.expected(),
              a ? c.expected() : c.wrongEquation(),
              a ? c.wrongEquation() : c.expected(),
              better);
      out.add(
          new TaskExample(
              "eft-" + id + "-" + better.name(),
              "eft",
              split,
              lang,
              0,
              templates.judge(
                  question,
                  c.previousSteps(),
                  a ? c.right() : c.wrong(),
                  a ? c.wrong() : c.right()),
              response,
              better.name()));
    }
    return out;
  }

  private record Term(String op, BigDecimal value) {}

  /** first op1 v1 op2 v2 ... = result, numbers without "$" and thousands commas. */
  private record Equation(BigDecimal first, List<Term> terms, BigDecimal result) {
    String text() {
      StringBuilder s = new StringBuilder(plain(first));
      for (Term t : terms) s.append(' ').append(t.op).append(' ').append(plain(t.value));
      return s.append(" = ").append(plain(result)).toString();
    }

    /**
     * A wrong operand (one operation, exact result) or else a wrong result, never the right result.
     */
    Equation corrupt(Random rng) {
      int d = (1 + rng.nextInt(3)) * (rng.nextBoolean() ? 1 : -1);
      if (terms.size() == 1 && rng.nextBoolean()) {
        BigDecimal operand = terms.get(0).value.add(BigDecimal.valueOf(d));
        Optional<BigDecimal> r = apply(first, terms.get(0).op, operand);
        if (operand.signum() > 0 && r.isPresent() && r.get().compareTo(result) != 0) {
          return new Equation(first, List.of(new Term(terms.get(0).op, operand)), r.get());
        }
      }
      BigDecimal wrong = result.add(BigDecimal.valueOf(d));
      if (wrong.signum() < 0) wrong = result.add(BigDecimal.valueOf(Math.abs(d)));
      return new Equation(first, terms, wrong);
    }
  }

  private static Optional<BigDecimal> apply(BigDecimal a, String op, BigDecimal b) {
    return switch (op) {
      case "+" -> Optional.of(a.add(b));
      case "-" -> Optional.of(a.subtract(b));
      case "*", "x", "×" -> Optional.of(a.multiply(b));
      default -> {
        try {
          yield Optional.of(a.divide(b, MathContext.UNLIMITED));
        } catch (ArithmeticException e) {
          yield Optional.empty(); // not exact: no operand change
        }
      }
    };
  }

  private static List<Term> terms(String text) {
    List<Term> out = new ArrayList<>();
    Matcher m = TERM.matcher(text);
    while (m.find()) out.add(new Term(m.group(1), number(m.group(2))));
    return out;
  }

  private static BigDecimal number(String text) {
    return new BigDecimal(text.replace(",", ""));
  }

  private static String plain(BigDecimal d) {
    return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
  }
}
