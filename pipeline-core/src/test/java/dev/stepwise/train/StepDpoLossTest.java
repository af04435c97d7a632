package dev.stepwise.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StepDpoLossTest {

  @Test
  void lossAndTrlMetricsMatchHandComputedValues() {
    try (NDManager m = NDManager.newBaseManager()) {
      StepDpoLoss dpo = new StepDpoLoss(0.1, 0.0);
      // Pair 1: chosen gained 1 nat over the reference, rejected lost 1 -> margin 0.2.
      // Pair 2: the policy prefers the rejected step -> margin -0.4.
      var result =
          dpo.compute(
              m.create(new float[] {-1f, -5f}),
              m.create(new float[] {-3f, -1f}),
              m.create(new float[] {-2f, -4f}),
              m.create(new float[] {-2f, -4f}),
              m.create(new float[] {4f, 4f}));
      double expectedLoss = (Math.log1p(Math.exp(-0.2)) + Math.log1p(Math.exp(0.4))) / 2;
      Map<String, Double> metrics = result.metrics();
      assertThat(metrics.get("loss")).isCloseTo(expectedLoss, within(1e-6));
      assertThat(metrics.get("rewards/chosen")).isCloseTo((0.1 - 0.1) / 2, within(1e-6));
      assertThat(metrics.get("rewards/rejected")).isCloseTo((-0.1 + 0.3) / 2, within(1e-6));
      assertThat(metrics.get("rewards/margins")).isCloseTo((0.2 - 0.4) / 2, within(1e-6));
      assertThat(metrics.get("rewards/accuracies")).isEqualTo(0.5);
      assertThat(metrics.get("logps/chosen")).isEqualTo(-3.0);
      assertThat(metrics.get("logps/rejected")).isEqualTo(-2.0);
      assertThat(metrics.keySet())
          .containsExactly(
              "loss",
              "rewards/chosen",
              "rewards/rejected",
              "rewards/accuracies",
              "rewards/margins",
              "logps/chosen",
              "logps/rejected");
    }
  }

  @Test
  void likelihoodTermAddsTheChosenStepsMeanTokenNll() {
    try (NDManager m = NDManager.newBaseManager()) {
      var one = m.create(new float[] {-2f});
      double plain =
          new StepDpoLoss(0.1, 0)
              .compute(one, one, one, one, m.create(new float[] {4f}))
              .metrics()
              .get("loss");
      double mixed =
          new StepDpoLoss(0.1, 0.5)
              .compute(one, one, one, one, m.create(new float[] {4f}))
              .metrics()
              .get("loss");
      assertThat(plain).isCloseTo(Math.log(2), within(1e-6));
      assertThat(mixed - plain).isCloseTo(0.5 * 2.0 / 4, within(1e-6));
    }
  }

  @Test
  void rejectsNonPositiveBeta() {
    assertThatThrownBy(() -> new StepDpoLoss(0, 0)).hasMessageContaining("dpo.beta");
  }

  @Test
  void scheduleWarmsUpLinearlyThenDecaysToTheFloor() {
    LearningRateSchedule schedule = new LearningRateSchedule(1e-3, 10, 110, 0.1);
    assertThat(schedule.at(0)).isCloseTo(1e-4, within(1e-12));
    assertThat(schedule.at(9)).isCloseTo(1e-3, within(1e-12));
    assertThat(schedule.at(60)).isCloseTo(1e-3 * (0.1 + 0.9 * 0.5), within(1e-12));
    assertThat(schedule.at(110)).isCloseTo(1e-4, within(1e-12));
    assertThat(schedule.at(500)).isCloseTo(1e-4, within(1e-12));
  }
}
