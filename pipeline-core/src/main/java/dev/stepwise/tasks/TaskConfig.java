package dev.stepwise.tasks;

import java.io.Serializable;
import java.util.EnumSet;
import java.util.Set;

/**
 * Difficulty knobs of the synthetic problems. Defaults are the easy setting a d=128 model learns in
 * ~1,000 SFT steps (docs/design.md): two operations, numbers 1-20, factors 2-5, every intermediate
 * value in 0-100.
 *
 * @param minOperations operations (= solution steps) per problem, at least
 * @param maxOperations operations per problem, at most
 * @param maxNumber start value and added/subtracted amounts are drawn from 1..maxNumber
 * @param maxFactor multipliers and divisors are drawn from 2..maxFactor
 * @param maxValue every intermediate result stays in 0..maxValue
 * @param operations which operations may appear
 */
public record TaskConfig(
    int minOperations,
    int maxOperations,
    int maxNumber,
    int maxFactor,
    int maxValue,
    Set<Operation> operations)
    implements Serializable {
  public TaskConfig {
    if (minOperations < 1 || maxOperations < minOperations)
      throw new IllegalArgumentException(
          "need 1 <= minOperations <= maxOperations, got " + minOperations + ".." + maxOperations);
    if (maxNumber < 2)
      throw new IllegalArgumentException("maxNumber must be >= 2, got " + maxNumber);
    if (maxFactor < 2)
      throw new IllegalArgumentException("maxFactor must be >= 2, got " + maxFactor);
    if (maxValue < maxNumber)
      throw new IllegalArgumentException(
          "maxValue (" + maxValue + ") must be >= maxNumber (" + maxNumber + ")");
    if (operations.isEmpty())
      throw new IllegalArgumentException(
          "operations must name at least one of " + EnumSet.allOf(Operation.class));
    operations = Set.copyOf(operations);
  }

  public static TaskConfig defaults() {
    return new TaskConfig(2, 2, 20, 5, 100, EnumSet.allOf(Operation.class));
  }
}
