package dev.stepwise.model.lora;

import java.io.Serializable;
import java.util.List;

/**
 * The shape of a LoRA adapter (Hu et al., 2021, as PEFT implements it): every targeted projection y
 * = W x + b becomes y = W x + b + (alpha / r) B A dropout(x), with A [r, in] and B [out, r] trained
 * and W, b frozen.
 *
 * @param targetModules PEFT's module names, a subset of {@link LoraAdapter#MODULES}, kept in that
 *     order
 */
public record LoraSettings(int r, double alpha, double dropout, List<String> targetModules)
    implements Serializable {

  public LoraSettings {
    if (r < 1) throw new IllegalArgumentException("lora r must be >= 1, got " + r);
    if (!(alpha > 0)) throw new IllegalArgumentException("lora alpha must be > 0, got " + alpha);
    if (!(dropout >= 0 && dropout < 1))
      throw new IllegalArgumentException("lora dropout must be in [0, 1), got " + dropout);
    if (targetModules.isEmpty())
      throw new IllegalArgumentException(
          "lora target_modules is empty; name at least one of " + LoraAdapter.MODULES);
    for (String m : targetModules) {
      if (!LoraAdapter.MODULES.contains(m)) {
        throw new IllegalArgumentException(
            "lora target_modules: '"
                + m
                + "' is not a projection of this decoder; use "
                + LoraAdapter.MODULES);
      }
    }
    List<String> given = targetModules;
    targetModules =
        LoraAdapter.MODULES.stream()
            .filter(given::contains)
            .toList(); // one order (PEFT writes a set's)
  }

  /** PEFT's scaling of the adapter's output, lora_alpha / r. */
  public double scale() {
    return alpha / r;
  }
}
