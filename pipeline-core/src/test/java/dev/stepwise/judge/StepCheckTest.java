package dev.stepwise.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The inverse-operation judge check (stepwise.judge.check = inverse) against the expected one. */
class StepCheckTest {
  static final StepCheck INV = StepCheck.INVERSE;

  @Test
  void eachOperationIsCheckedByItsInverseNextToTheOperandItMustGiveBack() {
    assertThat(INV.pointwise("12 - 5 = 7", "12 - 5 = 7"))
        .isEqualTo("Expected: 12 - 5. Check: 12 - 5 vs 12 - 5, 7 + 5 = 12 vs 12, correct.");
    assertThat(INV.pointwise("12 - 5 = 7", "12 - 5 = 8"))
        .isEqualTo("Expected: 12 - 5. Check: 12 - 5 vs 12 - 5, 8 + 5 = 13 vs 12, wrong.");
    String[][] cases = {
      {"39 + 14 = 53", "39 + 14 = 53", "39 + 14 vs 39 + 14, 53 - 14 = 39 vs 39, correct."},
      {"39 + 14 = 53", "39 + 14 = 54", "39 + 14 vs 39 + 14, 54 - 14 = 40 vs 39, wrong."},
      {"8 * 4 = 32", "8 * 4 = 32", "8 * 4 vs 8 * 4, 32 / 4 = 8 vs 8, correct."},
      // a product that does not divide back shows its remainder
      {"6 * 4 = 24", "6 * 4 = 25", "6 * 4 vs 6 * 4, 25 / 4 = 6 r 1 vs 6, wrong."},
      {"100 / 4 = 25", "100 / 4 = 25", "100 / 4 vs 100 / 4, 25 * 4 = 100 vs 100, correct."},
      {"100 / 4 = 25", "100 / 4 = 28", "100 / 4 vs 100 / 4, 28 * 4 = 112 vs 100, wrong."},
      // a result below the operand goes negative, not refused
      {"5 + 9 = 14", "5 + 9 = 3", "5 + 9 vs 5 + 9, 3 - 9 = -6 vs 5, wrong."},
    };
    for (String[] c : cases) {
      assertThat(INV.pointwise(c[0], c[1])).as(c[1]).endsWith(": " + c[2]);
      assertThat(INV.passes(c[0], c[1])).as(c[1]).isEqualTo(c[2].endsWith("correct."));
    }
  }

  @Test
  void wrongOperandsOrOperationAreWrongBeforeAnyArithmetic() {
    // Right arithmetic on the wrong operands passes the inverse alone; the operand comparison
    // catches it, and a second operand of 0 then needs no division.
    assertThat(INV.pointwise("12 - 4 = 8", "12 - 5 = 7"))
        .isEqualTo("Expected: 12 - 4. Check: 12 - 5 vs 12 - 4, wrong.");
    assertThat(INV.pointwise("12 - 4 = 8", "12 + 4 = 16")).endsWith("12 + 4 vs 12 - 4, wrong.");
    assertThat(INV.pointwise("12 - 4 = 8", "16 / 2 = 8"))
        .as("the right result from other numbers")
        .endsWith("16 / 2 vs 12 - 4, wrong.");
    assertThat(INV.pointwise("5 * 3 = 15", "5 * 0 = 0")).endsWith("5 * 0 vs 5 * 3, wrong.");
    assertThat(INV.passes("12 - 4 = 8", "16 / 2 = 8")).isFalse();
    assertThat(StepCheck.EXPECTED.passes("12 - 4 = 8", "16 / 2 = 8"))
        .as("the expected check compares results only")
        .isTrue();
  }

  @Test
  void pairwiseResponseChecksBothCandidatesThenGivesTheVerdict() {
    String r = INV.response("12 - 4 = 8", "12 - 5 = 7", "12 - 4 = 8", Verdict.B);
    assertThat(r)
        .isEqualTo(
            "Expected: 12 - 4\n"
                + "Check A: 12 - 5 vs 12 - 4, wrong.\n"
                + "Check B: 12 - 4 vs 12 - 4, 8 + 4 = 12 vs 12, correct.\n"
                + "Verdict: [[B]]");
    assertThat(Verdict.parse(r)).isEqualTo(Verdict.B);
    assertThat(INV.response("8 * 4 = 32", "8 * 4 = 32", "8 * 4 = 33", Verdict.A))
        .isEqualTo(
            "Expected: 8 * 4\n"
                + "Check A: 8 * 4 vs 8 * 4, 32 / 4 = 8 vs 8, correct.\n"
                + "Check B: 8 * 4 vs 8 * 4, 33 / 4 = 8 r 1 vs 8, wrong.\n"
                + "Verdict: [[A]]");
  }

  @Test
  void refusesWhatItCannotCheck() {
    assertThatThrownBy(() -> INV.response("12 - 4 = 8", "12 - 4 = 8", "12 - 5 = 7", Verdict.B))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must pass the inverse check against 12 - 4 = 8");
    assertThatThrownBy(() -> INV.response("12 - 4 = 8", "12 - 5 = 7", "12 - 4 = 8", Verdict.TIE))
        .hasMessageContaining("better must be A or B");
    assertThatThrownBy(() -> INV.pointwise("1 + 2 + 3 = 6", "1 + 2 + 3 = 6"))
        .hasMessageContaining("needs one operation 'a op b = c' of whole numbers, got: 1 + 2 + 3");
    assertThatThrownBy(() -> INV.pointwise("2.5 * 2 = 5", "2.5 * 2 = 5"))
        .hasMessageContaining("of whole numbers");
    assertThatThrownBy(() -> INV.pointwise("12", "12")).hasMessageContaining("got: 12");
    assertThatThrownBy(() -> INV.pointwise("5 * 0 = 0", "5 * 0 = 1"))
        .hasMessageContaining("cannot divide back by 0: 5 * 0 = 1");
  }

  @Test
  void parsesTheConfigValueAndNamesTheKeyWhenItCannot() {
    assertThat(StepCheck.parse("inverse")).isEqualTo(StepCheck.INVERSE);
    assertThat(StepCheck.parse("EXPECTED")).isEqualTo(StepCheck.EXPECTED);
    assertThatThrownBy(() -> StepCheck.parse("reverse"))
        .hasMessage(
            "config key 'stepwise.judge.check' must be \"expected\" or \"inverse\", found"
                + " \"reverse\"");
  }
}
