package dev.stepwise.eval;

import dev.stepwise.sampling.SamplingConfig;
import dev.stepwise.sampling.SamplingStrategy;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One strategy of the EDT study's grid: a fixed temperature, or EDT at token or instance level with
 * its T0 and θ (docs/methods.md §C).
 *
 * @param mode a {@code sampling.mode}: fixed, edt-token or edt-instance
 * @param temperature fixed only, else null
 * @param t0 EDT only, else null
 * @param theta EDT only, else null
 */
public record SamplingPoint(String mode, Double temperature, Double t0, Double theta)
    implements Serializable {
  public static final String FIXED = "fixed";
  public static final List<String> LEVELS = List.of("token", "instance");

  public static SamplingPoint fixed(double temperature) {
    return new SamplingPoint(FIXED, temperature, null, null);
  }

  /**
   * @param level token or instance
   */
  public static SamplingPoint edt(String level, double t0, double theta) {
    if (!LEVELS.contains(level))
      throw new IllegalArgumentException(
          "EDT level \"" + level + "\" is unknown: use token or instance");
    return new SamplingPoint("edt-" + level, null, t0, theta);
  }

  /** The fixed temperatures, then each level's T0 × θ. */
  public static List<SamplingPoint> grid(
      List<Double> temperatures, List<String> levels, List<Double> t0s, List<Double> thetas) {
    List<SamplingPoint> grid = new ArrayList<>();
    for (double t : temperatures) grid.add(fixed(t));
    for (String level : levels)
      for (double t0 : t0s) for (double theta : thetas) grid.add(edt(level, t0, theta));
    return List.copyOf(grid);
  }

  public boolean isEdt() {
    return !FIXED.equals(mode);
  }

  /** E.g. "fixed T=0.8", "edt-token T0=1 θ=0.5". */
  public String label() {
    return isEdt()
        ? String.format(Locale.ROOT, "%s T0=%s θ=%s", mode, number(t0), number(theta))
        : String.format(Locale.ROOT, "fixed T=%s", number(temperature));
  }

  /** The project's sampler for this point (FixedSampler or Edt), with top-p and EDT's N. */
  public SamplingStrategy strategy(double topP, double n) {
    return new SamplingConfig(
            mode, isEdt() ? 0 : temperature, 0, topP, isEdt() ? t0 : 1, isEdt() ? theta : 0, n)
        .strategy();
  }

  private static String number(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
