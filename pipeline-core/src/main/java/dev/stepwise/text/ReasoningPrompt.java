package dev.stepwise.text;

/**
 * The PSRLM reasoning prompt (docs/methods.md §A): the instruction, then the problem;
 * PromptTemplates.DEFAULT's.
 */
public final class ReasoningPrompt {
  public static final String INSTRUCTION =
      "Solve the problem step by step. Begin each step with \"Step n: \" and put the final answer in \\boxed{}.";

  private ReasoningPrompt() {}

  public static String of(String problem) {
    return PromptTemplates.DEFAULT.reasoning(problem);
  }
}
