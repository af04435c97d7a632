package dev.stepwise.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter, 2019): Adam with weight decay applied to the weights directly, not
 * through the gradient. The moments are plain NDArrays keyed by parameter name, so they can be
 * written next to a checkpoint and an interrupted training resumes to the same result.
 *
 * <p>The moments and the update are F32 also for F16 parameters; the update is rounded to the
 * parameter's dtype when applied (with no F32 master copy, F16 parameters lose updates below their
 * resolution).
 *
 * <p>Call {@link #update} outside the {@code GradientCollector}: with grad mode off, PyTorch allows
 * the in-place updates of leaf tensors that require gradients.
 */
public final class AdamW {

  /** Hyper-parameters; the defaults are PyTorch's and TRL's. */
  public record Settings(double beta1, double beta2, double epsilon, double weightDecay) {
    public Settings {
      if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) {
        throw new IllegalArgumentException(
            "AdamW betas must be in [0, 1), got beta1=" + beta1 + " beta2=" + beta2);
      }
      if (epsilon <= 0 || weightDecay < 0) {
        throw new IllegalArgumentException(
            "AdamW needs epsilon > 0 and weight_decay >= 0, got " + epsilon + ", " + weightDecay);
      }
    }

    public static Settings defaults() {
      return new Settings(0.9, 0.999, 1e-8, 0.0);
    }
  }

  private final Settings settings;
  private final Map<String, NDArray> firstMoment = new LinkedHashMap<>();
  private final Map<String, NDArray> secondMoment = new LinkedHashMap<>();
  private long step;

  public AdamW(Settings settings) {
    this.settings = settings;
  }

  /** Number of updates applied so far. */
  public long step() {
    return step;
  }

  /**
   * Applies one update to every parameter that has a gradient. Weight decay skips vectors (norm
   * weights and biases), as HF's and nanoGPT's trainers do.
   */
  public void update(Map<String, NDArray> parameters, double learningRate) {
    step++;
    double biasCorrection1 = 1 - Math.pow(settings.beta1(), step);
    double biasCorrection2 = 1 - Math.pow(settings.beta2(), step);
    for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
      NDArray weight = entry.getValue();
      NDArray m = firstMoment.computeIfAbsent(entry.getKey(), k -> moment(weight));
      NDArray v = secondMoment.computeIfAbsent(entry.getKey(), k -> moment(weight));
      // The scope frees this step's temporaries; the long-lived manager would keep them.
      try (NDScope scope = new NDScope();
          NDArray weightGradient = weight.getGradient()) {
        NDArray gradient = weightGradient.toType(DataType.FLOAT32, false);
        m.muli(settings.beta1()).addi(gradient.mul(1 - settings.beta1()));
        v.muli(settings.beta2()).addi(gradient.square().muli(1 - settings.beta2()));
        if (settings.weightDecay() > 0 && weight.getShape().dimension() > 1) {
          weight.muli(1 - learningRate * settings.weightDecay());
        }
        NDArray denominator = v.div(biasCorrection2).sqrt().addi(settings.epsilon());
        weight.subi(
            m.div(denominator)
                .muli(learningRate / biasCorrection1)
                .toType(weight.getDataType(), false));
      }
    }
  }

  /**
   * A zero moment for {@code weight}: F32 whatever the weight's dtype (F16 moments would
   * underflow).
   */
  private static NDArray moment(NDArray weight) {
    return weight.getManager().zeros(weight.getShape(), DataType.FLOAT32, weight.getDevice());
  }

  /**
   * The moments as named arrays ({@code exp_avg.<name>}, {@code exp_avg_sq.<name>}), for saving.
   */
  public NDList state() {
    NDList state = new NDList();
    firstMoment.forEach((name, m) -> state.add(named(m, "exp_avg." + name)));
    secondMoment.forEach((name, v) -> state.add(named(v, "exp_avg_sq." + name)));
    return state;
  }

  /**
   * Restores moments written by {@link #state()}; the arrays are copied into this optimizer so the
   * caller may close its own.
   */
  public void restore(
      long savedStep, Map<String, NDArray> savedState, Map<String, NDArray> parameters) {
    for (String name : parameters.keySet()) {
      NDArray m = savedState.get("exp_avg." + name);
      NDArray v = savedState.get("exp_avg_sq." + name);
      if (m == null || v == null) {
        throw new IllegalArgumentException(
            "optimizer state has no moments for parameter '"
                + name
                + "': it was saved for another model");
      }
      NDArray weight = parameters.get(name);
      firstMoment.put(name, ownCopy(m, weight));
      secondMoment.put(name, ownCopy(v, weight));
      firstMoment.get(name).attach(weight.getManager());
      secondMoment.get(name).attach(weight.getManager());
    }
    this.step = savedStep;
  }

  /**
   * An F32 copy in memory torch owns. DJL's toType/toDevice with copy = true return a view when
   * type and device already match, and a decoded array's memory is a Java buffer that the garbage
   * collector frees once the caller closed it: a view of it read freed memory (AdamWTest).
   */
  private static NDArray ownCopy(NDArray saved, NDArray weight) {
    return saved.toType(DataType.FLOAT32, false).toDevice(weight.getDevice(), false).duplicate();
  }

  private static NDArray named(NDArray array, String name) {
    array.setName(name);
    return array;
  }
}
