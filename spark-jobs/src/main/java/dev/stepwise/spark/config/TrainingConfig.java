package dev.stepwise.spark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.stepwise.model.lora.LoraSettings;
import dev.stepwise.train.TrainSettings;
import java.io.Serializable;

/**
 * The optimisation keys of stepwise.dpo and stepwise.align, plus stepwise.train (how many training
 * tasks, and how often they average; LoRA, {@code lora} null when off; activation checkpointing).
 * The seed comes from the run. stepwise.sft has the same keys per pass of its recipe (SftConfig).
 */
public record TrainingConfig(
    int batchSize,
    int gradientAccumulation,
    long steps,
    double epochs,
    double lr,
    double warmupRatio,
    double minLrRatio,
    double maxGradNorm,
    double weightDecay,
    boolean freezeEmbeddings,
    int workers,
    int syncEvery,
    LoraSettings lora,
    boolean activationCheckpointing)
    implements Serializable {

  /** Reads section {@code stepwise.<name>} (dpo or align) and stepwise.train. */
  public static TrainingConfig from(Config c, String name) {
    Config s = c.getConfig("stepwise." + name);
    Config t = c.getConfig("stepwise.train");
    return new TrainingConfig(
        s.getInt("batch_size"),
        s.getInt("gradient_accumulation"),
        s.getLong("steps"),
        s.getDouble("epochs"),
        s.getDouble("lr"),
        s.getDouble("warmup_ratio"),
        s.getDouble("min_lr_ratio"),
        s.getDouble("max_grad_norm"),
        s.getDouble("weight_decay"),
        s.getBoolean("freeze_embeddings"),
        t.getInt("workers"),
        t.getInt("sync_every"),
        lora(t.getConfig("lora")),
        t.getBoolean("activation_checkpointing"));
  }

  /**
   * stepwise.train.lora: the adapter every training stage trains when enabled, else null (full
   * fine-tuning).
   */
  static LoraSettings lora(Config l) {
    if (!l.getBoolean("enabled")) return null;
    try {
      return new LoraSettings(
          l.getInt("r"),
          l.getDouble("alpha"),
          l.getDouble("dropout"),
          l.getStringList("target_modules"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.Generic("stepwise.train.lora: " + e.getMessage());
    }
  }

  public TrainSettings settings(long seed) {
    return new TrainSettings(
        batchSize,
        gradientAccumulation,
        steps,
        epochs,
        lr,
        warmupRatio,
        minLrRatio,
        maxGradNorm,
        weightDecay,
        seed,
        10,
        0,
        freezeEmbeddings,
        lora,
        activationCheckpointing);
  }
}
