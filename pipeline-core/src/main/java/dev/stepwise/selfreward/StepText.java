package dev.stepwise.selfreward;

import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.ReasoningPrompt;
import java.util.List;

/**
 * How a partial solution is laid out for the policy: the reasoning prompt as the user turn, and
 * the accepted steps as the start of the assistant turn, one {@code Step n:} line each. A step's
 * own tokens include the newline that ends it, or EOS for the final step, exactly as SFT
 * taught them, so search, reference scoring and DPO score the same tokens.
 */
public final class StepText {

  private StepText() {}

  /** The assistant text before step {@code previous.size() + 1}: every accepted line plus newline. */
  public static String prefix(List<String> previousSteps) {
    StringBuilder text = new StringBuilder();
    previousSteps.forEach(step -> text.append(step).append('\n'));
    return text.toString();
  }

  /** Prompt ids for generating (or scoring) the next step of {@code question}. */
  public static int[] promptIds(ChatFormat chat, String question, List<String> previousSteps) {
    return chat.continuation(ReasoningPrompt.of(question), prefix(previousSteps));
  }

  /** The step's tokens as the policy emits them: the line and its newline, or EOS when final (boxed answer). */
  public static int[] stepIds(ChatFormat chat, String step, boolean isFinal) {
    return isFinal ? chat.completion(step) : chat.tokenizer().encode(step + "\n");
  }
}
