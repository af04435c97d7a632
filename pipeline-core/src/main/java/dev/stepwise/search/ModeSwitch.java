package dev.stepwise.search;

/**
 * PATS's per-step decision on the PRM score r of the chosen step (docs/methods.md §B, "Algorithm"):
 *
 * <ol>
 *   <li>bad-step penalty: if r < value_bad and fewer than penalty_times bad steps were rejected in
 *       a row, reject the step, count it, switch to complex and regenerate from the same prefix;
 *   <li>otherwise accept the step (even a bad one) and reset the count;
 *   <li>then switch: r >= value_good moves one mode simpler, r < value_low jumps straight back to
 *       complex, anything between keeps the mode.
 * </ol>
 */
public final class ModeSwitch {

  /** What to do with the step, and the mode and bad-step count the next iteration starts with. */
  public record Decision(boolean accept, Mode next, int badCount) {}

  private final PatsSettings settings;

  public ModeSwitch(PatsSettings settings) {
    this.settings = settings;
  }

  public Decision decide(Mode mode, int badCount, double r) {
    if (r < settings.valueBad() && badCount < settings.penaltyTimes())
      return new Decision(false, Mode.COMPLEX, badCount + 1);
    Mode next =
        r >= settings.valueGood() ? mode.simpler() : r < settings.valueLow() ? Mode.COMPLEX : mode;
    return new Decision(true, next, 0);
  }
}
