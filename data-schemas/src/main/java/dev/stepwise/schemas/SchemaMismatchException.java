package dev.stepwise.schemas;

/** A dataset's columns or types differ from its registered schema. */
public class SchemaMismatchException extends IllegalArgumentException {
  public SchemaMismatchException(String message) {
    super(message);
  }
}
