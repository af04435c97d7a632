package dev.stepwise.spark.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigException;
import dev.stepwise.eval.SamplingPoint;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EdtStudyConfigTest {

  private static EdtStudyConfig load(Map<String, String> sets) {
    return EdtStudyConfig.from(StepwiseConfig.load(null, sets).raw());
  }

  @Test
  void theGridIsTheFixedTemperaturesThenEachLevelsT0TimesTheta() {
    EdtStudyConfig c =
        load(
            Map.of(
                "stepwise.study.edt.temperatures", "[0.5, 1.0]",
                "stepwise.study.edt.levels", "[instance]",
                "stepwise.study.edt.t0", "[0.8]",
                "stepwise.study.edt.theta", "[0.1, 1]"));
    assertThat(c.grid())
        .containsExactly(
            SamplingPoint.fixed(0.5),
            SamplingPoint.fixed(1.0),
            SamplingPoint.edt("instance", 0.8, 0.1),
            SamplingPoint.edt("instance", 0.8, 1.0));
    assertThat(c.grid().get(3).label()).isEqualTo("edt-instance T0=0.8 θ=1");
    assertThat(load(Map.of()).grid()).hasSize(4 + 2 * 3 * 2); // the reference grid
  }

  @Test
  void aBadGridNamesTheSection() {
    assertThatThrownBy(() -> load(Map.of("stepwise.study.edt.levels", "[word]")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "stepwise.study.edt: EDT level \"word\" is unknown: use token or instance");
    assertThatThrownBy(() -> load(Map.of("stepwise.study.edt.temperatures", "[1.0, 1]")))
        .hasMessageContaining("a strategy is listed twice");
    assertThatThrownBy(
            () ->
                load(
                    Map.of(
                        "stepwise.study.edt.temperatures", "[]",
                        "stepwise.study.edt.levels", "[]")))
        .hasMessageContaining("no strategy to study");
  }
}
