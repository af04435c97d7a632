package dev.stepwise.train;

/**
 * Linear warmup to the peak learning rate, then cosine decay to {@code minRatio * peak} at {@code
 * totalSteps} (HF's {@code get_cosine_schedule_with_warmup} with a floor).
 */
public record LearningRateSchedule(
    double peak, long warmupSteps, long totalSteps, double minRatio) {

  public LearningRateSchedule {
    if (!(peak > 0) || !Double.isFinite(peak)) {
      throw new IllegalArgumentException("train.lr must be a positive number, got " + peak);
    }
    if (warmupSteps < 0 || totalSteps <= 0 || warmupSteps > totalSteps) {
      throw new IllegalArgumentException(
          "need 0 <= warmup steps ("
              + warmupSteps
              + ") <= total steps ("
              + totalSteps
              + ") and total > 0");
    }
    if (minRatio < 0 || minRatio > 1) {
      throw new IllegalArgumentException("train.min_lr_ratio must be in [0, 1], got " + minRatio);
    }
  }

  /** The learning rate for the update that follows {@code completedSteps} earlier updates. */
  public double at(long completedSteps) {
    if (completedSteps < warmupSteps) {
      return peak * (completedSteps + 1) / warmupSteps;
    }
    long decaySteps = Math.max(1, totalSteps - warmupSteps);
    double progress = Math.min(1.0, (double) (completedSteps - warmupSteps) / decaySteps);
    double cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
    return peak * (minRatio + (1 - minRatio) * cosine);
  }
}
