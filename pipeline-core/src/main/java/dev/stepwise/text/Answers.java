package dev.stepwise.text;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one answer grader (eval, search solutions, pair quality, imported gold): finds a model
 * output's final answer and compares it with a gold answer. The final answer is the content of the
 * last {@code \boxed{...}} (braces matched, so {@code \boxed{\frac{1}{2}}} works), else the text
 * after the last {@code "#### "} (GSM8K), else after the last "the answer is". Answers are
 * normalized ({@code $}, {@code \%}, {@code \text{}}, unit words and thousands separators dropped;
 * numbers as plain decimals, fractions reduced) and compared numerically within a relative {@link
 * #TOLERANCE} when both are numbers, as normalized text otherwise.
 */
public final class Answers {
  /**
   * Two numeric answers agree when |a - b| <= TOLERANCE * max(1, |b|) (float round-off, not
   * rounding); two integers only when equal.
   */
  public static final double TOLERANCE = 1e-6;

  private static final String BOXED = "\\boxed{";
  private static final Pattern HASHES = Pattern.compile("####[ \\t]*([^\\n]*)");
  private static final Pattern ANSWER_IS =
      Pattern.compile("(?i)\\bthe (?:final )?answer is[:\\s]*([^\\n]*)");
  private static final Pattern TEXT_WRAPPER =
      Pattern.compile("\\\\(?:text|textbf|mathrm|mbox|mathbf)\\{([^{}]*)\\}");
  private static final Pattern THOUSANDS = Pattern.compile("[+-]?\\d{1,3}([, ]\\d{3})+(\\.\\d+)?");
  private static final Pattern INTEGER = Pattern.compile("-?\\d+");
  private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)");

  /** A number followed by words, e.g. "18 dollars" or "5 cm per hour": the words are a unit. */
  private static final Pattern UNIT_WORDS =
      Pattern.compile("([+-]?[\\d.,]+(?:/\\d+)?)\\s+\\p{L}[\\p{L}\\s.'/-]*");

  private static final Pattern FRACTION = Pattern.compile("([+-]?\\d+)/([+-]?\\d+)");
  private static final Pattern LATEX_FRACTION =
      Pattern.compile("([+-]?)\\\\[dt]?frac\\{([+-]?\\d+)\\}\\{([+-]?\\d+)\\}");

  private Answers() {}

  /** The content of the last well-formed {@code \boxed{...}} in the text, if any. */
  public static Optional<String> boxed(String text) {
    for (int start = text.lastIndexOf(BOXED);
        start >= 0;
        start = text.lastIndexOf(BOXED, start - 1)) {
      int depth = 1, i = start + BOXED.length();
      for (; i < text.length() && depth > 0; i++) {
        char c = text.charAt(i);
        if (c == '{') depth++;
        else if (c == '}') depth--;
      }
      if (depth == 0) return Optional.of(text.substring(start + BOXED.length(), i - 1));
      if (start == 0) break;
    }
    return Optional.empty();
  }

  /**
   * The raw final answer of an output: last {@code \boxed{}}, else last "#### x", else last "the
   * answer is x".
   */
  public static Optional<String> finalAnswer(String output) {
    Optional<String> box = boxed(output);
    if (box.isPresent()) return box;
    for (Pattern p : new Pattern[] {HASHES, ANSWER_IS}) {
      Matcher m = p.matcher(output);
      String last = null;
      while (m.find()) last = m.group(1);
      if (last != null && !last.isBlank()) return Optional.of(last);
    }
    return Optional.empty();
  }

  /** The normalized final answer of an output, if it has one. */
  public static Optional<String> extract(String output) {
    return finalAnswer(output).map(Answers::normalize);
  }

  /** True when the output's final answer matches the gold answer (see {@link #matches}). */
  public static boolean isCorrect(String output, String gold) {
    return gold != null && extract(output).map(a -> matches(a, gold)).orElse(false);
  }

  /**
   * Equal after normalizing, or numerically within {@link #TOLERANCE} when both are numbers and not
   * both integers.
   */
  public static boolean matches(String answer, String gold) {
    String a = normalize(answer), g = normalize(gold);
    OptionalDouble x = value(a), y = value(g);
    if (a.equals(g)) return true;
    if (INTEGER.matcher(a).matches() && INTEGER.matcher(g).matches()) return false;
    if (x.isPresent() && y.isPresent()) {
      return Math.abs(x.getAsDouble() - y.getAsDouble())
          <= TOLERANCE * Math.max(1, Math.abs(y.getAsDouble()));
    }
    return a.equals(g);
  }

  /** The value of a normalized answer that is a number or a fraction p/q. */
  public static OptionalDouble value(String normalized) {
    if (NUMBER.matcher(normalized).matches())
      return OptionalDouble.of(Double.parseDouble(normalized));
    Matcher f = FRACTION.matcher(normalized);
    if (f.matches() && Double.parseDouble(f.group(2)) != 0) {
      return OptionalDouble.of(Double.parseDouble(f.group(1)) / Double.parseDouble(f.group(2)));
    }
    return OptionalDouble.empty();
  }

  public static String normalize(String answer) {
    String s =
        answer
            .strip()
            .replace('\u2212', '-')
            .replace("\\$", "")
            .replace("$", "")
            .replace("\\%", "")
            .replace("%", "")
            .replace("\\!", "")
            .replace("\\,", "")
            .replace("\\;", "")
            .replace("~", "")
            .replace("\\left", "")
            .replace("\\right", "");
    for (String before = null; !s.equals(before); ) {
      before = s;
      s = TEXT_WRAPPER.matcher(s).replaceAll(" $1 ");
    }
    s = s.strip();
    int eq = s.lastIndexOf('=');
    if (eq >= 0 && eq < s.length() - 1) s = s.substring(eq + 1).strip(); // "x = 5"
    while (s.endsWith(".") && !s.equals(".")) s = s.substring(0, s.length() - 1).strip();
    Matcher unit = UNIT_WORDS.matcher(s);
    if (unit.matches()) s = unit.group(1);
    if (THOUSANDS.matcher(s).matches()) s = s.replace(",", "").replace(" ", "");
    if (NUMBER.matcher(s).matches()) return plain(new BigDecimal(s));
    Matcher f = FRACTION.matcher(s);
    if (f.matches()) return fraction(f.group(1), f.group(2), "");
    Matcher lf = LATEX_FRACTION.matcher(s);
    if (lf.matches()) return fraction(lf.group(2), lf.group(3), lf.group(1));
    return s.replaceAll("\\s+", "");
  }

  private static String plain(BigDecimal d) {
    return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
  }

  private static String fraction(String numerator, String denominator, String sign) {
    BigInteger p = new BigInteger(numerator.replace("+", "")),
        q = new BigInteger(denominator.replace("+", ""));
    if (q.signum() == 0) return numerator + "/" + denominator;
    if ("-".equals(sign)) p = p.negate();
    if (q.signum() < 0) {
      p = p.negate();
      q = q.negate();
    }
    BigInteger g = p.gcd(q);
    p = p.divide(g);
    q = q.divide(g);
    // A reduced fraction terminates in decimal iff its denominator has only the factors 2 and 5.
    BigInteger rest = q;
    for (BigInteger k : new BigInteger[] {BigInteger.TWO, BigInteger.valueOf(5)})
      while (rest.mod(k).signum() == 0) rest = rest.divide(k);
    if (rest.equals(BigInteger.ONE))
      return plain(
          new BigDecimal(p).divide(new BigDecimal(q), q.bitLength() + 2, RoundingMode.UNNECESSARY));
    return p + "/" + q;
  }
}
