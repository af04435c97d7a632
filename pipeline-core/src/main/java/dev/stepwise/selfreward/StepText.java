package dev.stepwise.selfreward;

import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.PromptTemplates;
import dev.stepwise.text.StepFormat;
import java.util.List;

/**
 * How a partial solution is laid out for the policy: the reasoning prompt as the user turn, and the
 * accepted steps as the start of the assistant turn, one {@code Step n:} line each. A step's own
 * tokens include the newline that ends it, or EOS for the final step, exactly as SFT taught them,
 * so search, reference scoring and DPO score the same tokens.
 */
public final class StepText {

  private StepText() {}

  /**
   * How steps are delimited in the assistant turn: the text after every accepted step, the stop
   * string that ends a sampled one, and whether a candidate that ends at EOS ends the solution.
   * {@link #DEFAULT} is the step format ({@code "Step n:"} lines); PATS's reference joins steps
   * with a blank line ({@link #delimited}).
   */
  public record Layout(String separator, String stop, boolean eosEndsSolution)
      implements java.io.Serializable {
    public static final Layout DEFAULT = new Layout("\n", STOP, false);

    /** Steps separated and stopped by {@code delimiter} (e.g. "\n\n"); EOS ends the solution. */
    public static Layout delimited(String delimiter) {
      if (delimiter.isEmpty()) throw new IllegalArgumentException("the step delimiter is empty");
      return new Layout(delimiter, delimiter, true);
    }

    /** Prompt ids for generating (or scoring) the next step of {@code question}. */
    public int[] promptIds(
        ChatFormat chat, PromptTemplates templates, String question, List<String> previousSteps) {
      return chat.continuation(templates.reasoning(question), prefix(previousSteps));
    }

    /** The assistant text before the next step: every accepted step and its separator. */
    public String prefix(List<String> previousSteps) {
      StringBuilder text = new StringBuilder();
      previousSteps.forEach(step -> text.append(step).append(separator));
      return text.toString();
    }
  }

  /**
   * Where generation of a step stops: at the start of the next {@code "Step n:"} line (or at EOS),
   * so a step may span lines. Any step number counts, so a policy that misnumbers its next step
   * still ends this one.
   */
  public static final String STOP = "\nStep ";

  /**
   * A generated step, up to the end of the line that completes its boxed answer when it has one:
   * the boxed answer ends the solution, whatever the policy wrote after it.
   */
  public static String trimAfterAnswer(String step) {
    int box = step.indexOf("\\boxed{");
    if (box < 0 || !StepFormat.isFinal(step)) return step;
    int lineEnd = step.indexOf('\n', box);
    return lineEnd < 0 ? step : step.substring(0, lineEnd).stripTrailing();
  }

  /**
   * The step's tokens as the policy emits them: the line and its newline, or EOS when final (boxed
   * answer).
   */
  public static int[] stepIds(ChatFormat chat, String step, boolean isFinal) {
    return isFinal ? chat.completion(step) : chat.tokenizer().encode(step + "\n");
  }
}
