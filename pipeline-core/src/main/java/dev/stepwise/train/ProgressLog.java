package dev.stepwise.train;

import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A progress line every {@code every} updates and at the last: step/total, loss, steps/s, tokens/s
 * (when the tokens of a step are known) and ETA, after an optional label.
 */
public final class ProgressLog implements Trainer.Listener {
  private final Consumer<String> out;
  private final String label;
  private final int every;
  private final double tokensPerStep;
  private long start, firstStep = -1;

  /**
   * @param label printed before each line ("" for none)
   * @param tokensPerStep non-padding tokens of one update, 0 when unknown (no tokens/s)
   */
  public ProgressLog(Consumer<String> out, String label, int every, double tokensPerStep) {
    this.out = out;
    this.label = label;
    this.every = Math.max(1, every);
    this.tokensPerStep = tokensPerStep;
  }

  @Override
  public void beforeStep(long step) {
    if (firstStep < 0) {
      firstStep = step;
      start = System.nanoTime();
    }
  }

  @Override
  public void afterStep(long step, long total, Map<String, Double> metrics) {
    if (step % every != 0 && step != total) return;
    double rate = (step - firstStep) / ((System.nanoTime() - start) / 1e9);
    long eta = Math.round((total - step) / rate);
    out.accept(
        String.format(
            Locale.ROOT,
            "%sstep %d/%d  loss %.4f  %.2f steps/s  %sETA %dm%02ds",
            label.isEmpty() ? "" : label + ": ",
            step,
            total,
            metrics.get("loss"),
            rate,
            tokensPerStep > 0
                ? String.format(Locale.ROOT, "%.0f tokens/s  ", rate * tokensPerStep)
                : "",
            eta / 60,
            eta % 60));
  }
}
