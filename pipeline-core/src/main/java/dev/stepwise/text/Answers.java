package dev.stepwise.text;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Final answers: the content of the last {@code \boxed{...}} (braces matched, so
 * {@code \boxed{\frac{1}{2}}} works) and a normal form so that "1,234", "1234.0" and
 * " 1234 " compare equal. Numbers become plain decimals, fractions are reduced (and written
 * as decimals when they terminate); anything else compares with whitespace removed.
 */
public final class Answers {
    private static final String BOXED = "\\boxed{";
    private static final Pattern THOUSANDS = Pattern.compile("[+-]?\\d{1,3}([, ]\\d{3})+(\\.\\d+)?");
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)");
    private static final Pattern FRACTION = Pattern.compile("([+-]?\\d+)/([+-]?\\d+)");
    private static final Pattern LATEX_FRACTION = Pattern.compile("([+-]?)\\\\[dt]?frac\\{([+-]?\\d+)\\}\\{([+-]?\\d+)\\}");

    private Answers() {}

    /** The content of the last well-formed {@code \boxed{...}} in the text, if any. */
    public static Optional<String> boxed(String text) {
        for (int start = text.lastIndexOf(BOXED); start >= 0; start = text.lastIndexOf(BOXED, start - 1)) {
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

    /** The normalized boxed answer of a solution, if it has one. */
    public static Optional<String> extract(String solution) {
        return boxed(solution).map(Answers::normalize);
    }

    /** True when the solution's boxed answer equals the gold answer after normalizing both. */
    public static boolean isCorrect(String solution, String gold) {
        return extract(solution).map(a -> a.equals(normalize(gold))).orElse(false);
    }

    public static String normalize(String answer) {
        String s = answer.strip()
                .replace("\\$", "").replace("$", "").replace("\\%", "").replace("%", "")
                .replace("\\!", "").replace("\\,", "").replace("~", "")
                .strip();
        s = s.replaceAll("^\\\\text\\{(.*)\\}$", "$1").strip();
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
        BigInteger p = new BigInteger(numerator.replace("+", "")), q = new BigInteger(denominator.replace("+", ""));
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
            return plain(new BigDecimal(p).divide(new BigDecimal(q), q.bitLength() + 2, RoundingMode.UNNECESSARY));
        return p + "/" + q;
    }
}
