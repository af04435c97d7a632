package dev.stepwise.train;

/**
 * Training produced a NaN or infinite loss, gradient or weight: stop, and write no checkpoint of
 * it.
 */
public final class NonFiniteLossException extends RuntimeException {

  public NonFiniteLossException(long step, String what, double value) {
    this(step, what + " (" + value + ")");
  }

  public NonFiniteLossException(long step, String what) {
    super(
        "non-finite "
            + what
            + " at step "
            + step
            + ": training stopped and no checkpoint was written; lower the learning rate or check the data");
  }
}
