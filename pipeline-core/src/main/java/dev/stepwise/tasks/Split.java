package dev.stepwise.tasks;

import java.util.Locale;

/**
 * Disjoint problem sets: a problem's split is a fixed hash of its numbers and operations (10% eval,
 * 10% EFT test, 80% train), so no held-out problem ever appears in training, whatever the seed or
 * the sizes asked for. Parallel ids of different splits never collide.
 */
public enum Split {
  TRAIN,
  EVAL,
  EFT_TEST;

  /** Added to item ids to make parallel ids unique across splits. */
  public long idBase() {
    return ordinal() * 1_000_000_000L;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  static Split ofSignature(long hash) {
    int bucket = (int) Math.floorMod(hash, 10L);
    return bucket == 0 ? EVAL : bucket == 1 ? EFT_TEST : TRAIN;
  }
}
