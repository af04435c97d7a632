package dev.stepwise.spark.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.stepwise.spark.runtime.ExecutorDevices.Setting;
import org.junit.jupiter.api.Test;

/**
 * stepwise.device: a GPU Spark assigned, or stepwise.device = gpu, on an engine without CUDA is one
 * line that names the executor, the flavour and the fix, never a silent CPU run.
 */
class ExecutorDevicesTest {
  private static final String[] NONE = {};
  private static final String[] GPU_1 = {"1"};

  @Test
  void anAssignedGpuIsUsedWhenTheEngineHasCudaAndNeverSilentlyReplacedByTheCpu() {
    assertThat(ExecutorDevices.choose(Setting.AUTO, GPU_1, true)).isEqualTo(Device.gpu(1));
    assertThat(ExecutorDevices.choose(Setting.GPU, NONE, true)).isEqualTo(Device.gpu(0));
    assertThat(ExecutorDevices.choose(Setting.AUTO, NONE, false)).isEqualTo(Device.cpu());
    // cpu is the explicit way to ignore an assigned GPU (simulated GPUs, CPU-only runs).
    assertThat(ExecutorDevices.choose(Setting.CPU, GPU_1, true)).isEqualTo(Device.cpu());
    assertThat(ExecutorDevices.choose(Setting.CPU, GPU_1, false)).isEqualTo(Device.cpu());

    // This test JVM's engine is the CPU libtorch: the message names it.
    assertThatThrownBy(() -> ExecutorDevices.choose(Setting.AUTO, GPU_1, false))
        .isInstanceOf(StepwiseException.class)
        .hasMessageStartingWith("executor driver on ")
        .hasMessageContaining("was assigned GPU 1 by Spark but its engine cannot use CUDA")
        .hasMessageContaining("flavour cpu")
        .hasMessageContaining("PYTORCH_FLAVOR=cu128")
        .hasMessageContaining("docs/gpu-cluster.md")
        .hasMessageContaining("stepwise.device=cpu")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    assertThatThrownBy(() -> ExecutorDevices.choose(Setting.GPU, NONE, false))
        .hasMessageContaining("has stepwise.device = gpu but its engine cannot use CUDA");
  }

  @Test
  void settingsParseCaseInsensitivelyAndAnUnknownOneNamesTheKey() {
    assertThat(Setting.parse("GPU")).isEqualTo(Setting.GPU);
    assertThatThrownBy(() -> Setting.parse("tpu"))
        .hasMessage("stepwise.device must be \"auto\", \"cpu\" or \"gpu\", found \"tpu\"");
  }

  @Test
  void theDriverProbeReportsTheCpuEngine() {
    ExecutorDevices.Report auto = ExecutorDevices.probe(Setting.AUTO);
    assertThat(auto.executor()).isEqualTo("driver");
    assertThat(auto.engine()).isEqualTo("PyTorch 2.7.1");
    assertThat(auto.flavour()).isEqualTo("cpu");
    assertThat(auto.cuda()).isFalse();
    assertThat(auto.cudaDeviceIds()).isEqualTo("none");
    assertThat(auto.runsOn()).isEqualTo("cpu()");
    assertThat(auto.error()).isNull();
    ExecutorDevices.Report gpu = ExecutorDevices.probe(Setting.GPU);
    assertThat(gpu.runsOn()).isNull();
    assertThat(gpu.error()).contains("cannot use CUDA");
  }
}
