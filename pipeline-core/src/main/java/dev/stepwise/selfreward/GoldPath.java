package dev.stepwise.selfreward;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks search steps against a problem's reference solution ({@code Step n: ...} lines), to
 * measure how often the self-judge picked the right step, or to label pairs with the truth as an
 * ablation. Two steps agree when they hold the same digits runs (numbers) in the same order ("Step
 * 2: 30 - 2 = 28" and "Step 2: 30 - 2 = 28." agree; "= 14" does not), so wording and punctuation do
 * not count. A step can only be checked while the steps before it follow the reference: once the
 * search has left that path, there is no single right next step.
 */
public final class GoldPath {
  private static final Pattern NUMBER = Pattern.compile("\\d+");

  /** How a chosen/rejected pair compares with the reference. */
  public enum PairLabel {
    /** the chosen step is the reference step, the rejected one is not */
    RIGHT,
    /** the rejected step is the reference step: the judge preferred a wrong step */
    INVERTED,
    BOTH_WRONG,
    BOTH_RIGHT,
    /** the steps before the pair already differ from the reference */
    OFF_PATH,
    /** the prompt has no reference solution */
    NO_GOLD
  }

  private GoldPath() {}

  /**
   * True/false when the prefix follows the reference; empty when it does not, or there is no
   * reference.
   */
  public static Optional<Boolean> stepCorrect(String solution, List<String> prefix, String step) {
    List<String> gold = steps(solution);
    if (!onPath(gold, prefix)) return Optional.empty();
    return Optional.of(numbers(step).equals(numbers(gold.get(prefix.size()))));
  }

  public static PairLabel label(
      String solution, List<String> prefix, String chosen, String rejected) {
    List<String> gold = steps(solution);
    if (gold.isEmpty()) return PairLabel.NO_GOLD;
    if (!onPath(gold, prefix)) return PairLabel.OFF_PATH;
    List<String> expected = numbers(gold.get(prefix.size()));
    boolean chosenRight = numbers(chosen).equals(expected),
        rejectedRight = numbers(rejected).equals(expected);
    if (chosenRight) return rejectedRight ? PairLabel.BOTH_RIGHT : PairLabel.RIGHT;
    return rejectedRight ? PairLabel.INVERTED : PairLabel.BOTH_WRONG;
  }

  private static boolean onPath(List<String> gold, List<String> prefix) {
    if (prefix.size() >= gold.size()) return false;
    for (int i = 0; i < prefix.size(); i++)
      if (!numbers(prefix.get(i)).equals(numbers(gold.get(i)))) return false;
    return true;
  }

  private static List<String> steps(String solution) {
    List<String> steps = new ArrayList<>();
    if (solution == null) return steps;
    for (String line : solution.split("\n")) if (!line.isBlank()) steps.add(line.strip());
    return steps;
  }

  private static List<String> numbers(String text) {
    List<String> found = new ArrayList<>();
    Matcher m = NUMBER.matcher(text);
    while (m.find()) found.add(m.group());
    return found;
  }
}
