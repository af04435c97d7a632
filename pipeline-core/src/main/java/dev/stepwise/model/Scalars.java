package dev.stepwise.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Multiplying or dividing by a number in a differentiable computation.
 *
 * <p>DJL's {@code x.mul(Number)} and {@code x.div(Number)} wrap the number in a tensor that aliases
 * a Java direct buffer ({@code torch::from_blob}) and close it at once. Autograd saves that tensor
 * for the backward pass, but nothing keeps the buffer alive: once the garbage collector frees it,
 * backward reads freed memory, and gradients come out wrong or NaN at random (seen as a flaky NaN
 * gradient in CI and as DPO runs that diverged between identical processes). The scalar made here
 * lives in memory that torch owns, so autograd's reference keeps it valid.
 */
public final class Scalars {

  private Scalars() {}

  /** x * factor, safe to differentiate. */
  public static NDArray mul(NDArray x, double factor) {
    try (NDArray scalar = scalarLike(x, factor)) {
      return x.mul(scalar);
    }
  }

  /** x / divisor, safe to differentiate. */
  public static NDArray div(NDArray x, double divisor) {
    try (NDArray scalar = scalarLike(x, divisor)) {
      return x.div(scalar);
    }
  }

  private static NDArray scalarLike(NDArray x, double value) {
    return x.getManager().full(new Shape(), (float) value, x.getDataType());
  }
}
