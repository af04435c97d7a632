package dev.stepwise.spark.runtime;

/** A failure the user can fix (bad path, bad input, bad flag): the CLI prints its message as one line. */
public class StepwiseException extends RuntimeException {
  public StepwiseException(String message) {
    super(message);
  }

  public StepwiseException(String message, Throwable cause) {
    super(message, cause);
  }
}
