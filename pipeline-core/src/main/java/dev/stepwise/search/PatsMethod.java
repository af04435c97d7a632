package dev.stepwise.search;

import java.util.Locale;

/**
 * PATS and the baselines the same job runs (docs/methods.md §B): fixed widths for the whole
 * solution, and the solution-level switch (a whole solution in simple mode, redone in complex mode
 * when its final step scores below value_low or it does not finish).
 */
public enum PatsMethod {
  PATS,
  ALL_SIMPLE,
  ALL_MEDIUM,
  ALL_COMPLEX,
  SOLUTION_SWITCH;

  /** The name in config and in search_traces.method: pats, all_simple, ... */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static PatsMethod parse(String label) {
    for (PatsMethod m : values()) if (m.label().equals(label)) return m;
    throw new IllegalArgumentException(
        "unknown PATS method \""
            + label
            + "\": use pats, all_simple, all_medium, all_complex or solution_switch");
  }

  /** The mode of the first step. */
  Mode initialMode(PatsSettings settings) {
    return switch (this) {
      case PATS -> settings.initialMode();
      case ALL_MEDIUM -> Mode.MEDIUM;
      case ALL_COMPLEX -> Mode.COMPLEX;
      case ALL_SIMPLE, SOLUTION_SWITCH -> Mode.SIMPLE;
    };
  }
}
