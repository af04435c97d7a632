package dev.stepwise.text;

import dev.stepwise.judge.JudgePrompt;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two user turns of the method (docs/methods.md §A, "Prompts") as templates: the reasoning
 * prompt ({@code {problem}}) and the pairwise step-judge prompt ({@code {question}}, {@code
 * {previous_steps}}, {@code {step_a}}, {@code {step_b}}). They are rendered as plain text here;
 * ChatFormat then wraps them as a user turn in the model's chat template, when it has one. SFT,
 * search, reference scoring, DPO and eval all render through one instance, so the policy is trained
 * and asked with the same text.
 */
public record PromptTemplates(String reasoning, String judge) implements Serializable {
  private static final Pattern PLACEHOLDER =
      Pattern.compile("\\{(problem|question|previous_steps|step_a|step_b|step)\\}");

  /** The templates the synthetic task and the shipped M1 were trained with. */
  public static final PromptTemplates DEFAULT =
      new PromptTemplates(
          ReasoningPrompt.INSTRUCTION + "\nProblem: {problem}",
          JudgePrompt.INSTRUCTION
              + "\n[Question]\n{question}\n[Previous Steps]\n{previous_steps}"
              + "\n[Assistant A's Next Step]\n{step_a}\n[Assistant B's Next Step]\n{step_b}");

  public PromptTemplates {
    require("stepwise.prompts.reasoning", reasoning, List.of("problem"));
    require(
        "stepwise.prompts.judge", judge, List.of("question", "previous_steps", "step_a", "step_b"));
  }

  /** The reasoning prompt of a problem. */
  public String reasoning(String problem) {
    return fill(reasoning, Map.of("problem", problem));
  }

  /**
   * The judge prompt.
   *
   * @param previousSteps the full lines ("Step n: ...") of the steps so far; "None" is shown before
   *     the first step
   * @param stepA Assistant A's candidate next step, as a full line
   * @param stepB Assistant B's candidate next step, as a full line
   */
  public String judge(String question, List<String> previousSteps, String stepA, String stepB) {
    return fill(
        judge,
        Map.of(
            "question",
            question,
            "previous_steps",
            previousSteps(previousSteps),
            "step_a",
            stepA,
            "step_b",
            stepB));
  }

  /** The steps so far as a judge prompt shows them: their lines, or "None" before the first. */
  public static String previousSteps(List<String> previousSteps) {
    return previousSteps.isEmpty() ? "None" : String.join("\n", previousSteps);
  }

  /**
   * One pass over the template, so a question that contains "{step_a}" stays as written; a
   * placeholder without a value stays too.
   */
  public static String fill(String template, Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = values.get(m.group(1));
      m.appendReplacement(out, Matcher.quoteReplacement(value != null ? value : m.group()));
    }
    return m.appendTail(out).toString();
  }

  /**
   * @throws IllegalArgumentException naming {@code key} when the template is empty or lacks one of
   *     the placeholders
   */
  public static void require(String key, String template, List<String> placeholders) {
    if (template == null || template.isBlank()) {
      throw new IllegalArgumentException("config key '" + key + "' is empty");
    }
    for (String p : placeholders) {
      if (!template.contains("{" + p + "}")) {
        throw new IllegalArgumentException("config key '" + key + "' must contain {" + p + "}");
      }
    }
  }
}
