package dev.stepwise.selfreward;

import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.PromptTemplates;
import dev.stepwise.text.StepFormat;
import dev.stepwise.train.PreferencePair;

/**
 * A {@code step_pairs} row as token ids: the shared prefix (reasoning prompt and the initial
 * reasoning steps) and the chosen and rejected step, tokenized exactly as the search generated them
 * ({@link StepText}). The reference stage scores these, and DPO trains on them.
 */
public record StepPairTokens(int[] prefix, int[] chosen, int[] rejected) {

  /**
   * @param question the problem text ({@code prompt} column)
   * @param initialReasonSteps the accepted steps before this one, each line ending in a newline
   */
  public static StepPairTokens of(
      ChatFormat chat,
      PromptTemplates templates,
      String question,
      String initialReasonSteps,
      String chosen,
      String rejected) {
    return new StepPairTokens(
        chat.continuation(templates.reasoning(question), initialReasonSteps),
        StepText.stepIds(chat, chosen, StepFormat.isFinal(chosen)),
        StepText.stepIds(chat, rejected, StepFormat.isFinal(rejected)));
  }

  public PreferencePair withReference(double refChosenLogp, double refRejectedLogp) {
    return new PreferencePair(prefix, chosen, rejected, refChosenLogp, refRejectedLogp);
  }
}
