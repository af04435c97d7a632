package dev.stepwise.judge;

import dev.stepwise.generate.Generator;
import dev.stepwise.text.ChatFormat;
import java.util.Arrays;
import java.util.List;

/**
 * Forced-choice judging: the verdict is whichever of {@code [[A]]} and {@code [[B]]} the model
 * finds more probable right after the judge prompt, read from one forward pass (the prompt plus the
 * tags' common leading tokens, e.g. {@code [[}, then the log-probs of the first token where the
 * tags differ). No text is generated, so nothing can fail to parse; equal probabilities are a tie.
 */
public final class ForcedChoice {

  /** A verdict and its probability among the two tags (0.5 to 1; exactly 0.5 for a tie). */
  public record Choice(Verdict verdict, double probability) {
    /** How the judgment is shown where generated judge text would be. */
    public String text() {
      return verdict == Verdict.TIE ? "[[A]] = [[B]]" : verdict.tag();
    }
  }

  private final Generator generator;
  private final ChatFormat chat;
  private final int[] lead;
  private final int[] tags;

  public ForcedChoice(Generator generator, ChatFormat chat) {
    this.generator = generator;
    this.chat = chat;
    int[] a = chat.tokenizer().encode(Verdict.A.tag()),
        b = chat.tokenizer().encode(Verdict.B.tag());
    int common = Generator.commonPrefix(a, b);
    if (common == a.length || common == b.length)
      throw new IllegalArgumentException(
          "judge.mode forced_choice: the tokenizer spells [[A]] and [[B]] with no differing token");
    this.lead = Arrays.copyOf(a, common);
    this.tags = new int[] {a[common], b[common]};
  }

  /** The ids of a judge user turn up to where the verdict tags differ. */
  public int[] promptIds(String userTurn) {
    int[] prompt = chat.prompt(userTurn);
    int[] out = Arrays.copyOf(prompt, prompt.length + lead.length);
    System.arraycopy(lead, 0, out, prompt.length, lead.length);
    return out;
  }

  /**
   * The choice after each of {@code prompts} (from {@link #promptIds}); the first {@code
   * sharedPrefix[i]} tokens of prompt i are shared with others (see {@link Generator}).
   */
  public List<Choice> choose(List<int[]> prompts, int[] sharedPrefix) {
    return Arrays.stream(generator.nextTokenLogProbs(prompts, sharedPrefix, tags))
        .map(ForcedChoice::choice)
        .toList();
  }

  private static Choice choice(float[] logProbs) {
    double pA = 1 / (1 + Math.exp((double) logProbs[1] - logProbs[0]));
    Verdict v = pA > 0.5 ? Verdict.A : pA < 0.5 ? Verdict.B : Verdict.TIE;
    return new Choice(v, Math.max(pA, 1 - pA));
  }
}
