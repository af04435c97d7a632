package dev.stepwise.train;

import dev.stepwise.model.lora.LoraSettings;
import java.io.Serializable;

/**
 * Optimisation settings of one training run (SFT or DPO); config keys under {@code sft.*} and
 * {@code dpo.*} map onto it one to one.
 *
 * @param steps optimizer updates to run; when 0, {@code epochs} passes over the data decide
 * @param saveEvery write {@code checkpoint-<step>} every this many updates (0: only at the end)
 * @param freezeEmbeddings keep the token embeddings (and a head tied to them) fixed
 * @param lora train LoRA adapters with the base weights frozen; null trains every weight
 * @param activationCheckpointing keep only each layer's input in the forward pass and recompute the
 *     layer in the backward pass (less memory, one more forward pass a step)
 */
public record TrainSettings(
    int batchSize,
    int gradientAccumulation,
    long steps,
    double epochs,
    double learningRate,
    double warmupRatio,
    double minLrRatio,
    double maxGradNorm,
    double weightDecay,
    long seed,
    int logEvery,
    int saveEvery,
    boolean freezeEmbeddings,
    LoraSettings lora,
    boolean activationCheckpointing)
    implements Serializable {

  /** Full fine-tuning (no LoRA), without activation checkpointing. */
  public TrainSettings(
      int batchSize,
      int gradientAccumulation,
      long steps,
      double epochs,
      double learningRate,
      double warmupRatio,
      double minLrRatio,
      double maxGradNorm,
      double weightDecay,
      long seed,
      int logEvery,
      int saveEvery,
      boolean freezeEmbeddings) {
    this(
        batchSize,
        gradientAccumulation,
        steps,
        epochs,
        learningRate,
        warmupRatio,
        minLrRatio,
        maxGradNorm,
        weightDecay,
        seed,
        logEvery,
        saveEvery,
        freezeEmbeddings,
        null,
        false);
  }

  public TrainSettings {
    if (batchSize <= 0 || gradientAccumulation <= 0) {
      throw new IllegalArgumentException(
          "batch_size and gradient_accumulation must be positive, got "
              + batchSize
              + ", "
              + gradientAccumulation);
    }
    if (steps < 0 || epochs < 0 || (steps == 0 && epochs == 0)) {
      throw new IllegalArgumentException(
          "set steps > 0 or epochs > 0 (got steps=" + steps + ", epochs=" + epochs + ")");
    }
    if (warmupRatio < 0 || warmupRatio > 1) {
      throw new IllegalArgumentException("warmup_ratio must be in [0, 1], got " + warmupRatio);
    }
    if (logEvery <= 0 || saveEvery < 0) {
      throw new IllegalArgumentException("log_every must be > 0 and save_every >= 0");
    }
  }

  /** Examples consumed by one optimizer update. */
  public int examplesPerStep() {
    return batchSize * gradientAccumulation;
  }

  /** The same settings writing no intermediate checkpoints. */
  public TrainSettings withoutCheckpoints() {
    return with(steps, epochs, 0);
  }

  /** The same settings with a fixed number of updates (epochs no longer count). */
  public TrainSettings withSteps(long fixedSteps) {
    return with(fixedSteps, 0, saveEvery);
  }

  private TrainSettings with(long steps, double epochs, int saveEvery) {
    return new TrainSettings(
        batchSize,
        gradientAccumulation,
        steps,
        epochs,
        learningRate,
        warmupRatio,
        minLrRatio,
        maxGradNorm,
        weightDecay,
        seed,
        logEvery,
        saveEvery,
        freezeEmbeddings,
        lora,
        activationCheckpointing);
  }

  /** Total updates for a data set of {@code examples} rows. */
  public long totalSteps(int examples) {
    if (steps > 0) {
      return steps;
    }
    return Math.max(1, (long) Math.ceil(epochs * examples / examplesPerStep()));
  }

  public LearningRateSchedule schedule(int examples) {
    long total = totalSteps(examples);
    return new LearningRateSchedule(
        learningRate, Math.round(warmupRatio * total), total, minLrRatio);
  }
}
