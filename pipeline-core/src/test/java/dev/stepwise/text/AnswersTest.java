package dev.stepwise.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
    @CsvSource(delimiter = '|', value = {
            "1,234|1234", "-3|-3", " 12 |12", "12.0|12", "12.50|12.5", "+7|7", "-0|0", "$18|18", "70,000|70000",
            "1 234 567|1234567", "50\\%|50", "\\frac{1}{2}|0.5", "\\dfrac{6}{4}|1.5", "-\\frac{2}{3}|-2/3", "4/2|2",
            "\\text{5}|5", "x + 1|x+1", ".5|0.5"})
    void normalizesNumbers(String raw, String normal) {
        assertThat(Answers.normalize(raw)).isEqualTo(normal);
    }

    @Test
    void comparesWithGold() {
        assertThat(Answers.isCorrect("Step 2: 12 - 4 = 8. The answer is \\boxed{8}.", "8")).isTrue();
        assertThat(Answers.isCorrect("Step 3: \\boxed{1,234.0}", "1234")).isTrue();
        assertThat(Answers.isCorrect("Step 2: 12 - 4 = 8. The answer is \\boxed{9}.", "8")).isFalse();
        assertThat(Answers.isCorrect("Step 2: 12 - 4 = 8.", "8")).as("no box, no credit").isFalse();
        assertThat(Answers.extract("\\boxed{-3}")).contains("-3");
    }
}
