package dev.stepwise.selfreward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stepwise.judge.JudgePrompt;
import dev.stepwise.text.PromptTemplates;
import dev.stepwise.text.ReasoningPrompt;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepTextTest {
  @Test
  void aStepEndsWhereTheNextStepLineStartsAndABoxedAnswerEndsTheSolution() {
    String generated = "Step 2: She has 16 - 3 = 13 eggs,\nso she sells 13.\nStep 3: 13 * 2 = 26";
    assertThat(generated.substring(0, generated.indexOf(StepText.STOP)))
        .isEqualTo("Step 2: She has 16 - 3 = 13 eggs,\nso she sells 13.");
    assertThat(
            StepText.trimAfterAnswer(
                "Step 4: 13 * 2 = 26. The answer is \\boxed{26}.\nI hope this helps!"))
        .isEqualTo("Step 4: 13 * 2 = 26. The answer is \\boxed{26}.");
    assertThat(StepText.trimAfterAnswer("Step 4: 13 * 2 = 26\nso the total is 26"))
        .isEqualTo("Step 4: 13 * 2 = 26\nso the total is 26");
    assertThat(StepText.trimAfterAnswer("Step 4: \\boxed{26")).isEqualTo("Step 4: \\boxed{26");
  }

  @Test
  void templatesRenderInOnePassAndDefaultToThePaperPrompts() {
    assertThat(PromptTemplates.DEFAULT.reasoning("2 + 3?"))
        .isEqualTo(ReasoningPrompt.of("2 + 3?"))
        .isEqualTo(ReasoningPrompt.INSTRUCTION + "\nProblem: 2 + 3?");
    assertThat(PromptTemplates.DEFAULT.judge("q", List.of(), "a", "b"))
        .isEqualTo(JudgePrompt.build("q", List.of(), "a", "b"))
        .startsWith(JudgePrompt.INSTRUCTION)
        .contains("[Previous Steps]\nNone\n");
    PromptTemplates custom =
        new PromptTemplates(
            "<problem>{problem}</problem>", "{question}|{previous_steps}|{step_a}|{step_b}");
    assertThat(custom.reasoning("what is {step_a}?"))
        .isEqualTo("<problem>what is {step_a}?</problem>");
    assertThat(custom.judge("q", List.of("Step 1: x", "Step 2: y"), "A$1", "B\\2"))
        .isEqualTo("q|Step 1: x\nStep 2: y|A$1|B\\2");
    assertThatThrownBy(() -> new PromptTemplates("Solve it.", custom.judge()))
        .hasMessage("config key 'stepwise.prompts.reasoning' must contain {problem}");
  }
}
