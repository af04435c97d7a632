package dev.stepwise.selfreward;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stepwise.selfreward.GoldPath.PairLabel;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GoldPathTest {
  static final String SOLUTION =
      "Step 1: 19 + 11 = 30\nStep 2: 30 * 3 = 90. The answer is \\boxed{90}.";

  @Test
  void aStepIsRightWhenItHoldsTheReferenceNumbersInOrder() {
    assertThat(GoldPath.stepCorrect(SOLUTION, List.of(), "Step 1: 19 + 11 = 30.")).contains(true);
    assertThat(GoldPath.stepCorrect(SOLUTION, List.of(), "Step 1: 19 + 11 = 38")).contains(false);
    assertThat(GoldPath.stepCorrect(SOLUTION, List.of(), "Step 1: 11 + 19 = 30")).contains(false);
    assertThat(
            GoldPath.stepCorrect(
                SOLUTION,
                List.of("Step 1: 19 + 11 = 30"),
                "Step 2: 30 * 3 = 90. The answer is \\boxed{90}."))
        .contains(true);
  }

  @Test
  void offThePathOrWithoutAReferenceNothingCanBeChecked() {
    assertThat(
            GoldPath.stepCorrect(SOLUTION, List.of("Step 1: 19 + 11 = 38"), "Step 2: 38 * 3 = 114"))
        .isEqualTo(Optional.empty());
    assertThat(
            GoldPath.stepCorrect(
                SOLUTION, List.of("Step 1: 19 + 11 = 30", "Step 2: 30 * 3 = 90"), "Step 3: 1"))
        .isEmpty();
    assertThat(GoldPath.stepCorrect(null, List.of(), "Step 1: 1 + 1 = 2")).isEmpty();
  }

  @Test
  void pairsAreLabelledByWhichSideMatchesTheReference() {
    assertThat(GoldPath.label(SOLUTION, List.of(), "Step 1: 19 + 11 = 30", "Step 1: 19 + 11 = 38"))
        .isEqualTo(PairLabel.RIGHT);
    assertThat(GoldPath.label(SOLUTION, List.of(), "Step 1: 19 + 11 = 38", "Step 1: 19 + 11 = 30"))
        .isEqualTo(PairLabel.INVERTED);
    assertThat(GoldPath.label(SOLUTION, List.of(), "Step 1: 19 + 11 = 38", "Step 1: 19 + 1 = 20"))
        .isEqualTo(PairLabel.BOTH_WRONG);
    assertThat(GoldPath.label(SOLUTION, List.of(), "Step 1: 19 + 11 = 30", "Step 1: 19 + 11 = 30."))
        .isEqualTo(PairLabel.BOTH_RIGHT);
    assertThat(GoldPath.label(SOLUTION, List.of("Step 1: 19 + 11 = 38"), "a", "b"))
        .isEqualTo(PairLabel.OFF_PATH);
    assertThat(GoldPath.label("", List.of(), "a", "b")).isEqualTo(PairLabel.NO_GOLD);
  }
}
