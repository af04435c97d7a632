package dev.stepwise.importers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GoldAnswerTest {

  @Test
  void normalizesGsm8kAndPlainNumbers() {
    assertThat(GoldAnswer.normalize("Janet sells 9 eggs.\n#### 18")).isEqualTo("18");
    assertThat(GoldAnswer.normalize("so the profit is $70,000.\n#### 70,000")).isEqualTo("70000");
    assertThat(GoldAnswer.normalize("1,234,567")).isEqualTo("1234567");
    assertThat(GoldAnswer.normalize("$5.50")).isEqualTo("5.5");
    assertThat(GoldAnswer.normalize("12.0")).isEqualTo("12");
    assertThat(GoldAnswer.normalize("-3")).isEqualTo("-3");
    assertThat(GoldAnswer.normalize("-0.0")).isEqualTo("0");
    assertThat(GoldAnswer.normalize("40%")).isEqualTo("40");
    assertThat(GoldAnswer.normalize(" 3/4 ")).isEqualTo("0.75");
    assertThat(GoldAnswer.normalize("2/3")).isEqualTo("2/3");
    assertThat(GoldAnswer.normalize("The answer is \\boxed{\\frac{7}{2}}")).isEqualTo("3.5");
    assertThat(GoldAnswer.normalize("100.")).isEqualTo("100");
  }

  @Test
  void rejectsTextThatIsNotANumber() {
    assertThatThrownBy(() -> GoldAnswer.normalize("It is four.\n#### four"))
        .hasMessage("gold answer \"It is four.\n#### four\" is not a number");
    assertThatThrownBy(() -> GoldAnswer.normalize("1,2")).hasMessageContaining("is not a number");
  }
}
