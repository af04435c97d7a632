package dev.stepwise.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class JudgeFormatTest {
  @Test
  void verdictParsing() {
    assertThat(Verdict.parse("Check A: 7 + 5 = 12, correct.\nVerdict: [[A]]")).isEqualTo(Verdict.A);
    assertThat(Verdict.parse("[[B]]")).isEqualTo(Verdict.B);
    assertThat(Verdict.parse("Verdict: B")).as("unparsable is a tie").isEqualTo(Verdict.TIE);
    assertThat(Verdict.parse("[[A]] or [[B]]")).as("both named is a tie").isEqualTo(Verdict.TIE);
    assertThat(Verdict.parse("[[C]] [A] [[a]]")).isEqualTo(Verdict.TIE);
    assertThat(Verdict.parse("")).isEqualTo(Verdict.TIE);
    assertThat(Verdict.A.tag()).isEqualTo("[[A]]");
    assertThatThrownBy(Verdict.TIE::tag).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void promptHoldsQuestionPreviousStepsAndBothCandidates() {
    String prompt =
        JudgePrompt.build(
            "Anna has 7 pencils. Anna buys 5 pencils more. How many?",
            List.of("Step 1: 7 + 5 = 12"),
            "Step 2: 12 * 2 = 24. The answer is \\boxed{24}.",
            "Step 2: 12 * 2 = 25. The answer is \\boxed{25}.");
    assertThat(prompt)
        .startsWith(JudgePrompt.INSTRUCTION)
        .endsWith("[Assistant B's Next Step]\nStep 2: 12 * 2 = 25. The answer is \\boxed{25}.")
        .contains("[Question]\nAnna has 7 pencils.")
        .contains(
            "[Previous Steps]\nStep 1: 7 + 5 = 12\n[Assistant A's Next Step]\nStep 2: 12 * 2 = 24.");
    assertThat(JudgePrompt.build("q", List.of(), "a", "b")).contains("[Previous Steps]\nNone\n");
  }

  @Test
  void checkResponseEndsInTheVerdictItJustified() {
    String r = StepCheck.EXPECTED.response("7 + 5 = 12", "7 + 5 = 13", "7 + 5 = 12", Verdict.B);
    assertThat(r)
        .isEqualTo(
            "Expected: 7 + 5 = 12\nCheck A: 7 + 5 = 13, 13 vs 12, wrong.\nCheck B: 7 + 5 = 12, 12 vs 12, correct.\nVerdict: [[B]]");
    assertThat(Verdict.parse(r)).isEqualTo(Verdict.B);
    assertThatThrownBy(
            () -> StepCheck.EXPECTED.response("7 + 5 = 12", "7 + 5 = 13", "7 + 5 = 12", Verdict.A))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must pass the expected check against 7 + 5 = 12");
    assertThatThrownBy(
            () -> StepCheck.EXPECTED.response("7 + 5 = 12", "12", "7 + 5 = 12", Verdict.B))
        .hasMessageContaining("not an equation");
  }
}
