package dev.stepwise.judge;

/**
 * The judge's answer: A or B is better, or TIE when the response names neither or both
 * (docs/methods.md §A default).
 */
public enum Verdict {
  A,
  B,
  TIE;

  public static Verdict parse(String response) {
    boolean a = response.contains("[[A]]"), b = response.contains("[[B]]");
    return a == b ? TIE : a ? A : B;
  }

  /** The verdict as the judge writes it: {@code [[A]]} or {@code [[B]]}. */
  public String tag() {
    if (this == TIE) throw new IllegalStateException("a tie has no verdict tag");
    return "[[" + name() + "]]";
  }
}
