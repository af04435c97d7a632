package dev.stepwise.importers;

import java.math.BigDecimal;
import java.util.regex.Pattern;

/** Gold answers as normalized number strings, so "70,000", "$70000" and "70000.00" all compare equal. */
public final class GoldAnswer {
  private static final Pattern DECIMAL = Pattern.compile("[-+]?\\d+(\\.\\d+)?|[-+]?\\.\\d+");
  private static final Pattern FRACTION = Pattern.compile("([-+]?\\d+)/(\\d+)");
  private static final Pattern THOUSANDS = Pattern.compile("(?<=\\d),(?=\\d{3}(\\D|$))");
  /** GSM8K writes the final answer after this marker at the end of the worked solution. */
  public static final String GSM8K_MARKER = "####";

  private GoldAnswer() {}

  /**
   * Normalizes a gold answer: takes the text after the last "####" when present, drops
   * thousands separators, a leading "$" and a trailing "." or "%", and prints the number
   * without trailing zeros. Fractions stay fractions ("3/4").
   *
   * @throws IllegalArgumentException naming the text when it is not a number
   */
  public static String normalize(String raw) {
    String text = raw;
    int marker = text.lastIndexOf(GSM8K_MARKER);
    if (marker >= 0) text = text.substring(marker + GSM8K_MARKER.length());
    text = THOUSANDS.matcher(text.strip()).replaceAll("");
    if (text.startsWith("$")) text = text.substring(1);
    if (text.endsWith(".") || text.endsWith("%")) text = text.substring(0, text.length() - 1);
    text = text.strip();
    if (DECIMAL.matcher(text).matches()) {
      BigDecimal value = new BigDecimal(text).stripTrailingZeros();
      return value.signum() == 0 ? "0" : value.toPlainString();
    }
    var fraction = FRACTION.matcher(text);
    if (fraction.matches()) {
      return new BigDecimal(fraction.group(1)).toPlainString() + "/" + fraction.group(2);
    }
    throw new IllegalArgumentException("gold answer \"" + abbreviate(raw.strip()) + "\" is not a number");
  }

  static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
