package dev.stepwise.search;

import java.io.Serializable;

/**
 * Settings of PATS and its baselines ({@code stepwise.pats.*}; docs/methods.md §B).
 *
 * @param complexWidth candidates per step in complex mode (paper: 8)
 * @param mediumWidth in medium mode (4)
 * @param simpleWidth in simple mode (2)
 * @param valueGood a chosen step scoring at least this moves one mode simpler (0.85)
 * @param valueLow below this, straight back to complex (0.75)
 * @param valueBad below this, the step is bad: the penalty may reject it (0.4)
 * @param penaltyTimes bad steps rejected in a row before one is accepted (1; 0 = no penalty)
 * @param initialMode the mode a solution starts in (complex)
 * @param maxIterations step iterations per solution, rejected steps included (35)
 * @param filterGarbled drop candidates with characters outside the allow-list
 */
public record PatsSettings(
    int complexWidth,
    int mediumWidth,
    int simpleWidth,
    double valueGood,
    double valueLow,
    double valueBad,
    int penaltyTimes,
    Mode initialMode,
    int maxIterations,
    boolean filterGarbled)
    implements Serializable {

  /** The paper's settings. */
  public static PatsSettings paper() {
    return new PatsSettings(8, 4, 2, 0.85, 0.75, 0.4, 1, Mode.COMPLEX, 35, true);
  }

  public PatsSettings {
    if (simpleWidth < 1 || mediumWidth < 1 || complexWidth < 1)
      throw new IllegalArgumentException("PATS widths must be >= 1");
    if (!(valueBad <= valueLow && valueLow <= valueGood))
      throw new IllegalArgumentException(
          "PATS thresholds must satisfy value_bad <= value_low <= value_good, got "
              + valueBad
              + ", "
              + valueLow
              + ", "
              + valueGood);
    if (maxIterations < 1) throw new IllegalArgumentException("PATS max_iterations must be >= 1");
  }

  public int width(Mode mode) {
    return switch (mode) {
      case COMPLEX -> complexWidth;
      case MEDIUM -> mediumWidth;
      case SIMPLE -> simpleWidth;
    };
  }
}
