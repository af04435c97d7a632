package dev.stepwise.search;

import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.PromptTemplates;
import dev.stepwise.train.SftExample;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The pointwise step-judge prompt a PRM answers ({@code stepwise.prm.*}): a user turn built from
 * {@code template} ({@code {question}}, {@code {previous_steps}}, {@code {step}}), rendered through
 * the model's chat template, and the two verdicts the assistant turn starts with. A PRM trained by
 * {@code stepwise prm train} learns to answer {@code positive} or {@code negative}; the policy used
 * as its own PRM is asked the same.
 */
public record StepJudgePrompt(String template, String positive, String negative)
    implements Serializable {

  public StepJudgePrompt {
    PromptTemplates.require(
        "stepwise.prm.prompt", template, List.of("question", "previous_steps", "step"));
    if (positive == null || positive.isEmpty() || negative == null || negative.isEmpty())
      throw new IllegalArgumentException(
          "config keys 'stepwise.prm.positive' and '.negative' must not be empty");
    if (positive.equals(negative))
      throw new IllegalArgumentException(
          "config keys 'stepwise.prm.positive' and '.negative' must differ, both are \""
              + positive
              + "\"");
  }

  /** The user turn that asks whether {@code step} is correct. */
  public String render(Prm.Request r) {
    return PromptTemplates.fill(
        template,
        Map.of(
            "question",
            r.question(),
            "previous_steps",
            PromptTemplates.previousSteps(r.previousSteps()),
            "step",
            r.step()));
  }

  /** The prompt ids of a request. */
  public int[] promptIds(ChatFormat chat, Prm.Request r) {
    return chat.prompt(render(r));
  }

  /** The assistant's verdict tokens (no EOS: the score reads only the verdict). */
  public int[] verdictIds(ChatFormat chat, boolean correct) {
    return chat.tokenizer().encode(correct ? positive : negative);
  }

  /** The ids of a check line the judge writes before its verdict: the line and its newline. */
  public static int[] checkIds(ChatFormat chat, String check) {
    return chat.tokenizer().encode(check + "\n");
  }

  /**
   * A training example: the step's prompt, and as the completion its check line (when it has one)
   * and its label's verdict, tokenized in the two pieces scoring uses.
   */
  public SftExample example(ChatFormat chat, LabelledStep step) {
    int[] verdict = verdictIds(chat, step.correct());
    if (step.check() == null) return new SftExample(promptIds(chat, step.request()), verdict);
    int[] check = checkIds(chat, step.check());
    int[] completion = Arrays.copyOf(check, check.length + verdict.length);
    System.arraycopy(verdict, 0, completion, check.length, verdict.length);
    return new SftExample(promptIds(chat, step.request()), completion);
  }
}
