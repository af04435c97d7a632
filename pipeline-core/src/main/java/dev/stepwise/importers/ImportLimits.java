package dev.stepwise.importers;

import java.io.Serializable;

/**
 * Row checks every importer applies.
 *
 * @param maxChars longest question or solution accepted, in chars; longer rows are rejected (a
 *     runaway row usually means a broken export, and it would blow up tokenization later)
 * @param requireGold reject rows whose gold answer is missing or not a number
 */
public record ImportLimits(int maxChars, boolean requireGold) implements Serializable {
  public ImportLimits {
    if (maxChars <= 0)
      throw new IllegalArgumentException("max_chars must be positive, got " + maxChars);
  }
}
