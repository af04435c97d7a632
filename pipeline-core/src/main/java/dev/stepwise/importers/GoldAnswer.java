package dev.stepwise.importers;

import dev.stepwise.text.Answers;

/**
 * Gold answers in the grader's normal form (dev.stepwise.text.Answers), so "70,000", "$70000" and
 * "70000.00" all import as "70000" and compare with model answers by the same rules.
 */
public final class GoldAnswer {
  private GoldAnswer() {}

  /**
   * Normalizes a gold answer: the final answer of a worked solution (after "#### ", or in {@code
   * \boxed{}}) when it has one, else the whole text, as {@link Answers#normalize} writes it.
   *
   * @throws IllegalArgumentException naming the text when it is not a number or fraction
   */
  public static String normalize(String raw) {
    String normal = Answers.normalize(Answers.finalAnswer(raw).orElse(raw));
    if (Answers.value(normal).isEmpty()) {
      throw new IllegalArgumentException(
          "gold answer \"" + abbreviate(raw.strip()) + "\" is not a number");
    }
    return normal;
  }

  static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
