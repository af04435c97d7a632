package dev.stepwise.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stepwise.spark.Cli;
import org.junit.jupiter.api.Test;

/** `stepwise doctor` on a local master reports the driver's JVM, and fails where a GPU is asked. */
class DoctorCommandTest {

  @Test
  void onLocalItPrintsTheDriversEngineAndDevice() {
    Cli.Result r = Cli.run("doctor");
    assertThat(r.exitCode()).as(r.err()).isZero();
    var lines = r.out().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0))
        .isEqualTo("stepwise doctor: master local[2], stepwise.device = auto, 1 executor(s)");
    assertThat(lines.get(1).split("\\s{2,}")).containsExactly(DoctorCommand.COLUMNS);
    // The test JVM runs torch with 1 thread (-Dai.djl.pytorch.num_threads=1) on the CPU libtorch.
    String[] driver = lines.get(2).split("\\s{2,}");
    assertThat(driver).hasSize(9);
    assertThat(driver[0]).isEqualTo("driver");
    assertThat(driver[1]).isNotBlank();
    assertThat(driver).endsWith("PyTorch 2.7.1", "cpu", "no", "none", "none", "1", "cpu()");
    // Columns line up: every value starts where its header does.
    assertThat(lines.get(2).indexOf("PyTorch")).isEqualTo(lines.get(1).indexOf("engine"));
  }

  @Test
  void stepwiseDeviceGpuWithoutCudaIsOneLinePerExecutorAndExitOne() {
    Cli.Result r = Cli.run("doctor", "--set", "stepwise.device=gpu");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.out()).contains("fails (below)");
    assertThat(r.out().lines().toList().get(3))
        .startsWith("executor driver on ")
        .contains(
            "has stepwise.device = gpu but its engine cannot use CUDA (PyTorch 2.7.1, flavour cpu)");
    assertThat(r.err())
        .isEqualTo("stepwise: error: 1 of 1 executor(s) would fail a model stage (see above)\n");
  }
}
