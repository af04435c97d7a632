package dev.stepwise.train;

/** Training produced a NaN or infinite loss or gradient: stop, and write no checkpoint. */
public final class NonFiniteLossException extends RuntimeException {

  public NonFiniteLossException(long step, String what, double value) {
    super("non-finite " + what + " (" + value + ") at step " + step
        + ": training stopped and no checkpoint was written; lower the learning rate or check the data");
  }
}
