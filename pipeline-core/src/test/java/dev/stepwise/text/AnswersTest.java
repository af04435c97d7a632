package dev.stepwise.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class AnswersTest {
  @Test
  void boxedTakesTheLastCompleteBoxWithNestedBraces() {
    assertThat(Answers.boxed("so \\boxed{1,234}.")).contains("1,234");
    assertThat(Answers.boxed("\\boxed{\\frac{1}{2}} done")).contains("\\frac{1}{2}");
    assertThat(Answers.boxed("first \\boxed{3}, then \\boxed{ 12 }")).contains(" 12 ");
    assertThat(Answers.boxed("complete \\boxed{7} then unclosed \\boxed{8")).contains("7");
    assertThat(Answers.boxed("no answer here")).isEmpty();
    assertThat(Answers.boxed("\\boxed{")).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "1,234|1234",
        "-3|-3",
        " 12 |12",
        "12.0|12",
        "12.50|12.5",
        "+7|7",
        "-0|0",
        "$18|18",
        "70,000|70000",
        "1 234 567|1234567",
        "50\\%|50",
        "\\frac{1}{2}|0.5",
        "\\dfrac{6}{4}|1.5",
        "-\\frac{2}{3}|-2/3",
        "4/2|2",
        "\\text{5}|5",
        "x + 1|x+1",
        ".5|0.5",
        "18 dollars|18",
        "\\$1,250.00|1250",
        "x = 5|5",
        "\u22124|-4",
        "5\\text{ cm}|5",
        "100.|100",
        "5x|5x"
      })
  void normalizesNumbers(String raw, String normal) {
    assertThat(Answers.normalize(raw)).isEqualTo(normal);
  }

  /**
   * Model outputs as they come (Qwen-style boxed, GSM8K-style ####, plain prose), their gold, and
   * the grade.
   */
  static Stream<Arguments> realOutputs() {
    return Stream.of(
        // \boxed{}, the step format
        grade(
            "Step 1: Janet's ducks lay 16 eggs per day.\nStep 2: She uses 3 + 4 = 7 eggs.\nStep 3: She sells 16 - 7 = 9 eggs for 9 * 2 = $18.\nStep 4: The answer is \\boxed{18}.",
            "18",
            true),
        grade(
            "Step 1: 2 bolts of blue fiber and 2 / 2 = 1 bolt of white fiber.\nStep 2: \\boxed{3}",
            "3", true),
        grade(
            "Step 3: The profit is 200,000 - 130,000 = 70,000.\nStep 4: \\boxed{70,000}",
            "70000",
            true),
        grade(
            "Step 2: So he runs 3 * 60 = 180 meters a week. \\boxed{180 \\text{ meters}}",
            "540",
            false),
        grade("Step 4: Total = 540 meters.\n\\boxed{540\\text{ meters}}", "540", true),
        grade("Step 3: The final answer is $\\boxed{20}$.", "20", true),
        grade("Step 5: Therefore she earns \\boxed{\\$460}.", "460", true),
        grade("Step 2: The price is \\boxed{\\$1,250.00}", "1250", true),
        grade("Step 2: The discount is \\boxed{25\\%}.", "25", true),
        grade("Step 1: Half of 7 is \\boxed{\\frac{7}{2}}", "3.5", true),
        grade("Step 1: Half of 7 is \\boxed{\\dfrac{7}{2}}", "7/2", true),
        grade("Step 2: \\boxed{\\frac{2}{3}}", "0.6666666667", true),
        grade("Step 2: \\boxed{\\frac{2}{3}}", "0.67", false),
        grade("Step 3: The temperature drops to \\boxed{-4} degrees.", "-4", true),
        grade("Step 3: The change is \\boxed{+4}.", "-4", false),
        grade("Step 2: x = 12 / 3 = 4, so \\boxed{x = 4}", "4", true),
        grade("Step 6: \\boxed{0.50}", "0.5", true),
        grade("Step 6: \\boxed{.5}", "1/2", true),
        grade("Step 2: first guess \\boxed{7}\nStep 3: corrected: \\boxed{8}", "8", true),
        grade("Step 2: first guess \\boxed{8}\nStep 3: corrected: \\boxed{7}", "8", false),
        grade("Step 4: \\boxed{1 000 000}", "1000000", true),
        grade("Step 4: \\boxed{5 \\text{ hours}}", "5", true),
        grade("Step 2: \\boxed{\\text{5 apples}}", "5", true),
        grade("Step 3: so the answer is \\boxed{3} and not 4.", "3", true),
        grade("Step 2: 12 - 4 = 8. The answer is \\boxed{9}.", "8", false),
        grade("Step 7: 3 * 4 = 12\nStep 8: \\boxed{12", "12", false),
        grade("Step 2: 12 - 4 = 8.", "8", false),
        // GSM8K worked-solution style
        grade(
            "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72",
            "72",
            true),
        grade("Weng earns 12/60 = $<<12/60=0.2>>0.2 per minute.\n#### 10", "10", true),
        grade("So she has 1,500 left.\n#### 1,500", "1500", true),
        grade("#### $35.50", "35.5", true),
        grade("He needs 5 more.\n####5", "5", true),
        grade("#### 14\n#### 15", "14", false),
        grade("####", "0", false),
        // prose
        grade("Tom has 5 + 3 = 8 apples. The answer is 8.", "8", true),
        grade("She pays 2 * 7 = 14 dollars. The answer is 14 dollars.", "14", true),
        grade("So the answer is: $1,234.", "1234", true),
        grade("The final answer is 42", "42", true),
        grade("THE ANSWER IS 7.", "7", true),
        grade("The answer is 3/4 of a pizza.", "0.75", true),
        grade("The answer is \\frac{3}{4}", "0.75", true),
        grade("The answer is five.", "5", false),
        grade("I think it's 12 but the answer is 13.", "12", false),
        grade("The answer is 10 because 5 + 5 = 10.", "10", true),
        grade("No final answer is given, just 16 - 7 = 9.", "9", false),
        grade("The answer is 1,2", "12", false),
        // languages other than English still box
        grade("Schritt 1: 16 - 7 = 9.\nSchritt 2: \\boxed{18} Euro", "18", true),
        grade("步骤 1: 16 - 7 = 9。\n答案是 \\boxed{18}", "18", true),
        grade("", "3", false));
  }

  private static Arguments grade(String output, String gold, boolean correct) {
    return Arguments.of(output, gold, correct);
  }

  @ParameterizedTest
  @MethodSource("realOutputs")
  void gradesRealLookingOutputs(String output, String gold, boolean correct) {
    assertThat(Answers.isCorrect(output, gold))
        .as("%s vs gold %s", output, gold)
        .isEqualTo(correct);
  }

  @Test
  void theTableHoldsAtLeastFortyOutputsOfBothGrades() {
    assertThat(realOutputs().count()).isGreaterThanOrEqualTo(40);
    assertThat(realOutputs().filter(a -> !(boolean) a.get()[2]).count()).isGreaterThanOrEqualTo(12);
  }

  @Test
  void comparesNumbersWithinTheTolerance() {
    assertThat(Answers.matches("0.333333333", "1/3")).isTrue();
    assertThat(Answers.matches("1000001", "1000000"))
        .as("one off in a million is a different integer")
        .isFalse();
    assertThat(Answers.matches("x+1", "x + 1")).as("non-numbers compare as text").isTrue();
    assertThat(Answers.isCorrect("\\boxed{3}", null)).isFalse();
    assertThat(Answers.extract("\\boxed{-3}")).contains("-3");
    assertThat(Answers.extract("#### 1,234")).contains("1234");
  }
}
