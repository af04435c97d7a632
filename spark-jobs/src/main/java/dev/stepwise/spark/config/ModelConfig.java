package dev.stepwise.spark.config;

import ai.djl.Device;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.stepwise.io.TensorDType;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.spark.runtime.ExecutorDevices;

/**
 * stepwise.model: where M0 comes from, an optional ready-made M1, and the compute dtype every
 * command and stage loads models in ({@code auto}, {@code float32}, {@code float16}); with
 * stepwise.device, where the stages' models run ({@code auto}, {@code cpu}, {@code gpu}).
 */
public record ModelConfig(String init, String m1, String dtype, ExecutorDevices.Setting device) {
  public static ModelConfig from(Config c) {
    Config m = c.getConfig("stepwise.model");
    ExecutorDevices.Setting device;
    try {
      device = ExecutorDevices.Setting.parse(c.getString(ExecutorDevices.KEY));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.Generic(e.getMessage());
    }
    ModelConfig config =
        new ModelConfig(m.getString("init"), m.getString("m1"), m.getString("dtype"), device);
    try {
      config.computeDtype(Device.cpu());
    } catch (IllegalArgumentException e) {
      throw new ConfigException.BadValue("stepwise.model.dtype", e.getMessage());
    }
    return config;
  }

  /** The dtype models are loaded in on {@code device} (auto: F16 on a GPU, F32 on the CPU). */
  public TensorDType computeDtype(Device device) {
    return Checkpoint.computeDtype(dtype, device);
  }

  public boolean tinyInit() {
    return "tiny".equals(init);
  }
}
