package dev.stepwise.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stepwise.importers.Gsm8kSolution;
import dev.stepwise.judge.StepCheck;
import dev.stepwise.judge.Verdict;
import dev.stepwise.text.Answers;
import dev.stepwise.text.PromptTemplates;
import dev.stepwise.text.StepFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SolutionEftTest {
  private static final String SOLUTION =
      Gsm8kSolution.toSteps(
          "Weng earns 12/60 = $<<12/60=0.2>>0.2 per minute.\n"
              + "Working 50 minutes, she earned 0.2 x 50 = $<<0.2*50=10>>10.\n#### 10");

  @Test
  void corruptsOneEquationStepAndKeepsTheRestOfTheText() {
    Set<String> wrongResults = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      SolutionEft.Contrast c = SolutionEft.contrast(SOLUTION, 7, "gsm8k/train/" + i).orElseThrow();
      int index = c.previousSteps().size();
      assertThat(c.previousSteps())
          .isEqualTo(
              StepFormat.parse(SOLUTION).subList(0, index).stream()
                  .map(StepFormat.Step::line)
                  .toList());
      assertThat(c.right())
          .isEqualTo(
              List.of(
                      "Step 1: Weng earns 12 / 60 = 0.2 per minute.",
                      "Step 2: Working 50 minutes, she earned 0.2 x 50 = 10. The answer is \\boxed{10}.")
                  .get(index));
      assertThat(StepCheck.result(c.wrongEquation())).isNotEqualTo(StepCheck.result(c.expected()));
      assertThat(c.wrong())
          .startsWith("Step " + (index + 1) + ": ")
          .contains(c.wrongEquation())
          .doesNotContain("$");
      if (index == 1)
        assertThat(Answers.extract(c.wrong())).contains(StepCheck.result(c.wrongEquation()));
      wrongResults.add(c.wrongEquation());
    }
    assertThat(wrongResults)
        .as("results and operands both get changed")
        .anyMatch(e -> !e.startsWith("12 / 60") && !e.startsWith("0.2 x 50"))
        .anyMatch(e -> e.startsWith("12 / 60 =") || e.startsWith("0.2 x 50 ="));
    assertThat(SolutionEft.contrast(SOLUTION, 7, "a"))
        .isEqualTo(SolutionEft.contrast(SOLUTION, 7, "a"));
  }

  @Test
  void makesBothOrdersWithTheCheckResponse() {
    SolutionEft.Contrast c = SolutionEft.contrast(SOLUTION, 7, "gsm8k/train/3").orElseThrow();
    List<TaskExample> both =
        SolutionEft.examples(
            c,
            "gsm8k/train/3",
            "train",
            "en",
            "Weng earns $12 an hour...",
            PromptTemplates.DEFAULT);
    assertThat(both).extracting(TaskExample::gold).containsExactly("A", "B");
    assertThat(both.get(0).prompt())
        .contains(
            "[Assistant A's Next Step]\n"
                + c.right()
                + "\n[Assistant B's Next Step]\n"
                + c.wrong());
    assertThat(both.get(1).prompt())
        .contains(
            "[Assistant A's Next Step]\n"
                + c.wrong()
                + "\n[Assistant B's Next Step]\n"
                + c.right());
    assertThat(both)
        .allSatisfy(e -> assertThat(Verdict.parse(e.completion()).name()).isEqualTo(e.gold()));
    assertThat(both.get(0).completion()).startsWith("Expected: " + c.expected());
  }

  @Test
  void solutionsWithoutEquationsGiveNoContrast() {
    assertThat(SolutionEft.contrast("Step 1: It is blue. The answer is \\boxed{3}.", 7, "x"))
        .isEmpty();
  }
}
