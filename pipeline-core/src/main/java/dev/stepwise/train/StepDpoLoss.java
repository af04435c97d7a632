package dev.stepwise.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import dev.stepwise.model.Scalars;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Step-wise DPO (docs/methods.md §A.6): chosen and rejected are the best and worst candidate for
 * the same step, both conditioned on the same prefix (question + earlier steps), and every log-prob
 * is summed over the step's tokens only.
 *
 * <pre>
 *   A = beta * (log pi(s_best | x, s_&lt;l) - log ref(s_best | x, s_&lt;l))
 *   B = beta * (log pi(s_worst | x, s_&lt;l) - log ref(s_worst | x, s_&lt;l))
 *   L = -log sigmoid(A - B)  [+ sftWeight * mean per-token NLL of the chosen step]
 * </pre>
 *
 * The optional likelihood term on the chosen step keeps a small model from unlearning the step
 * format while the margin grows (docs/design.md measured DPO alone destroying the tiny model).
 */
public record StepDpoLoss(double beta, double sftWeight) implements Serializable {

  public StepDpoLoss {
    if (!(beta > 0) || !Double.isFinite(beta)) {
      throw new IllegalArgumentException("dpo.beta must be a positive number, got " + beta);
    }
    if (sftWeight < 0 || !Double.isFinite(sftWeight)) {
      throw new IllegalArgumentException("dpo.sft_weight must be >= 0, got " + sftWeight);
    }
  }

  /** The loss (a scalar with gradients) and the batch's metrics under TRL's names. */
  public record Result(NDArray loss, Map<String, Double> metrics) {}

  /**
   * @param policyChosen summed policy log-probs of each chosen step, shape (B)
   * @param policyRejected summed policy log-probs of each rejected step, shape (B)
   * @param refChosen reference log-probs of the chosen steps, shape (B), no gradient
   * @param refRejected reference log-probs of the rejected steps, shape (B), no gradient
   * @param chosenTokens number of tokens in each chosen step, shape (B), for the likelihood term
   */
  public Result compute(
      NDArray policyChosen,
      NDArray policyRejected,
      NDArray refChosen,
      NDArray refRejected,
      NDArray chosenTokens) {
    NDArray chosenReward = Scalars.mul(policyChosen.sub(refChosen), beta);
    NDArray rejectedReward = Scalars.mul(policyRejected.sub(refRejected), beta);
    NDArray margin = chosenReward.sub(rejectedReward);
    // -log sigmoid(m) = softplus(-m), stable for large |m|.
    NDArray loss = Activation.softPlus(margin.neg()).mean();
    if (sftWeight > 0) {
      NDArray chosenNll =
          policyChosen.neg().div(chosenTokens.toType(policyChosen.getDataType(), false));
      loss = loss.add(Scalars.mul(chosenNll.mean(), sftWeight));
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("loss", scalar(loss));
    metrics.put("rewards/chosen", mean(chosenReward));
    metrics.put("rewards/rejected", mean(rejectedReward));
    metrics.put("rewards/accuracies", mean(margin.gt(0).toType(DataType.FLOAT32, false)));
    metrics.put("rewards/margins", mean(margin));
    metrics.put("logps/chosen", mean(policyChosen));
    metrics.put("logps/rejected", mean(policyRejected));
    return new Result(loss, metrics);
  }

  private static double mean(NDArray values) {
    try (NDArray detached = values.stopGradient();
        NDArray mean = detached.mean()) {
      return scalar(mean);
    }
  }

  static double scalar(NDArray array) {
    try (NDArray detached = array.stopGradient();
        NDArray wide = detached.toType(DataType.FLOAT64, false)) {
      return wide.getDouble();
    }
  }
}
