package dev.stepwise.judge;

import dev.stepwise.text.PromptTemplates;
import java.util.List;

/**
 * The pairwise step-judge prompt of PSRLM (docs/methods.md §A, MT-Bench style, kept short for small
 * contexts): the question and the steps so far, then Assistant A's and Assistant B's candidate next
 * step. The judge explains (checks each step) and then answers {@code [[A]]} or {@code [[B]]}. The
 * same builder serves EFT training data and self-judging of the policy's own candidates; it is the
 * default of the configurable {@link PromptTemplates}.
 */
public final class JudgePrompt {
  public static final String INSTRUCTION =
      "Act as an impartial judge: which next step is correct and helpful for the "
          + "question and previous steps? Ignore the order and length of the steps. Check each step, then answer [[A]] or [[B]].";

  private JudgePrompt() {}

  /**
   * @param previousSteps the full lines ("Step n: ...") of the steps so far; empty before the first
   *     step
   * @param stepA Assistant A's candidate next step, as a full line
   * @param stepB Assistant B's candidate next step, as a full line
   */
  public static String build(
      String question, List<String> previousSteps, String stepA, String stepB) {
    return PromptTemplates.DEFAULT.judge(question, previousSteps, stepA, stepB);
  }
}
