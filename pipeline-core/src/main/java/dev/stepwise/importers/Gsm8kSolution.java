package dev.stepwise.importers;

import dev.stepwise.text.StepFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * GSM8K's worked solutions in the PSRLM step format (docs/methods.md §A): one line is one step, the
 * calculator notes {@code <<48/2=24>>} are removed, and the final {@code #### 72} becomes {@code
 * The answer is \boxed{72}.} at the end of the last step.
 */
public final class Gsm8kSolution {
  private static final String MARKER = "####";
  private static final Pattern CALCULATOR = Pattern.compile("<<[^<>]*>>");

  private Gsm8kSolution() {}

  /**
   * @throws IllegalArgumentException when the text has no {@code ####} answer or no reasoning line
   *     before it
   */
  public static String toSteps(String answer) {
    int marker = answer.lastIndexOf(MARKER);
    if (marker < 0) throw new IllegalArgumentException("worked solution has no '#### answer' line");
    String gold = answer.substring(marker + MARKER.length()).strip();
    if (gold.isEmpty())
      throw new IllegalArgumentException("worked solution's '####' line is empty");
    List<String> steps = new ArrayList<>();
    for (String line : CALCULATOR.matcher(answer.substring(0, marker)).replaceAll("").split("\n")) {
      if (!line.isBlank()) steps.add(line.strip().replaceAll("\\s+", " "));
    }
    if (steps.isEmpty())
      throw new IllegalArgumentException("worked solution has no reasoning before '####'");
    int last = steps.size() - 1;
    String end = steps.get(last);
    steps.set(
        last, end + (end.endsWith(".") ? " " : ". ") + "The answer is \\boxed{" + gold + "}.");
    return StepFormat.render(steps);
  }
}
