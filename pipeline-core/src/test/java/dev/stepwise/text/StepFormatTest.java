package dev.stepwise.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StepFormatTest {
  @Test
  void rendersAndParsesBack() {
    String solution =
        StepFormat.render(List.of("7 + 5 = 12", "12 * 3 = 36. The answer is \\boxed{36}."));
    assertThat(solution)
        .isEqualTo("Step 1: 7 + 5 = 12\nStep 2: 12 * 3 = 36. The answer is \\boxed{36}.");
    List<StepFormat.Step> steps = StepFormat.parse(solution);
    assertThat(steps).extracting(StepFormat.Step::number).containsExactly(1, 2);
    assertThat(steps.get(0).body()).isEqualTo("7 + 5 = 12");
    assertThat(steps.get(0).isFinal()).isFalse();
    assertThat(steps.get(1).isFinal()).isTrue();
    assertThat(steps.get(1).line()).isEqualTo("Step 2: 12 * 3 = 36. The answer is \\boxed{36}.");
  }

  @Test
  void multiLineStepsAndPreambleAndMidLineMentions() {
    String solution =
        "Let me think.\nStep 1: First,\nadd them: 2 + 3 = 5 (see Step 2: below)\n\nStep 2: \\boxed{5}\n";
    List<StepFormat.Step> steps = StepFormat.parse(solution);
    assertThat(steps).hasSize(2);
    assertThat(steps.get(0).body()).isEqualTo("First,\nadd them: 2 + 3 = 5 (see Step 2: below)");
    assertThat(steps.get(1).body()).isEqualTo("\\boxed{5}");
    assertThat(StepFormat.parse("no steps at all")).isEmpty();
  }

  @Test
  void endOfStepFindsTheNextStepLine() {
    assertThat(StepFormat.endOfStep("7 + 5 = 12\nStep 2: 12")).isEqualTo(10);
    assertThat(StepFormat.endOfStep("7 + 5 = 12\nStep")).isEqualTo(-1);
    assertThat(StepFormat.endOfStep("7 + 5 = 12")).isEqualTo(-1);
  }
}
