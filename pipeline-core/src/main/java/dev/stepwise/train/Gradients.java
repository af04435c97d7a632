package dev.stepwise.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.Collection;

/**
 * The gradients of a parameter set: global-norm clipping (as {@code
 * torch.nn.utils.clip_grad_norm_}) and zeroing.
 */
public final class Gradients {

  private Gradients() {}

  /**
   * Scales every gradient so that their joint L2 norm is at most {@code maxNorm} and returns the
   * norm before clipping (non-finite when any gradient is; the trainer stops on that).
   */
  public static double clipByGlobalNorm(Collection<NDArray> parameters, double maxNorm) {
    double sumOfSquares = 0;
    for (NDArray weight : parameters) {
      // F32 before squaring: an F16 gradient over 256 would overflow to infinity when squared.
      try (NDArray gradient = weight.getGradient();
          NDArray wide = gradient.toType(DataType.FLOAT32, false);
          NDArray squared = wide.square().sum()) {
        sumOfSquares += squared.toType(DataType.FLOAT64, false).getDouble();
      }
    }
    double norm = Math.sqrt(sumOfSquares);
    if (maxNorm > 0 && Double.isFinite(norm) && norm > maxNorm) {
      double scale = maxNorm / (norm + 1e-6);
      for (NDArray weight : parameters) {
        try (NDArray gradient = weight.getGradient()) {
          gradient.muli(scale);
        }
      }
    }
    return norm;
  }

  /** Sets every gradient to zero before the next accumulation window. */
  public static void zero(Collection<NDArray> parameters) {
    for (NDArray weight : parameters) {
      try (NDArray gradient = weight.getGradient()) {
        gradient.muli(0);
      }
    }
  }
}
