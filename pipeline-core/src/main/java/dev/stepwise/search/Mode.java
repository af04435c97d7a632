package dev.stepwise.search;

/** PATS thinking modes (docs/methods.md §B), from the most to the least candidates per step. */
public enum Mode {
  COMPLEX,
  MEDIUM,
  SIMPLE;

  /** One level simpler, floored at simple. */
  public Mode simpler() {
    return this == SIMPLE ? SIMPLE : values()[ordinal() + 1];
  }

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
