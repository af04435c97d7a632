package dev.stepwise.sampling;

import java.io.Serializable;
import java.util.Locale;

/**
 * Sampling settings as config keys name them ({@code sampling.*}, docs/text-and-tasks.md).
 * Defaults: PSRLM's search sampling (T 0.5, top-p 0.95) and EDT's suggestion (T0 0.6, θ 0.1, N
 * 0.8).
 *
 * @param mode one of greedy, fixed, edt-token, edt-instance
 */
public record SamplingConfig(
    String mode,
    double temperature,
    int topK,
    double topP,
    double edtT0,
    double edtTheta,
    double edtN)
    implements Serializable {
  public static SamplingConfig defaults() {
    return new SamplingConfig("fixed", 0.5, 0, 0.95, 0.6, 0.1, 0.8);
  }

  public SamplingConfig withMode(String newMode) {
    return new SamplingConfig(newMode, temperature, topK, topP, edtT0, edtTheta, edtN);
  }

  public SamplingStrategy strategy() {
    return switch (mode.toLowerCase(Locale.ROOT)) {
      case "greedy" -> FixedSampler.greedy();
      case "fixed" -> new FixedSampler(temperature, topK, topP);
      case "edt-token" -> new Edt(edtT0, edtTheta, edtN, topP, false);
      case "edt-instance" -> new Edt(edtT0, edtTheta, edtN, topP, true);
      default ->
          throw new IllegalArgumentException(
              "sampling.mode \""
                  + mode
                  + "\" is unknown: use greedy, fixed, edt-token or edt-instance");
    };
  }
}
