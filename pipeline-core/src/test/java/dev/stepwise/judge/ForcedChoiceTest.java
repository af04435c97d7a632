package dev.stepwise.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import dev.stepwise.generate.Generator;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.CompletionScorer;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.HfTokenizer;
import dev.stepwise.text.PromptTemplates;
import dev.stepwise.train.CrossProcessReproducibilityTest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForcedChoiceTest {

  /**
   * The forced choice of the shipped M1 is the tag the scorer finds more probable after the judge
   * prompt, with the two-way probability of the scorer's log-probs, and it names A and B.
   */
  @Test
  void choosesTheMoreProbableVerdictTagAsTheScorerSeesIt() throws Exception {
    Path m1 = CrossProcessReproducibilityTest.shippedM1();
    List<String> turns =
        List.of(
            PromptTemplates.DEFAULT.judge(
                "Tom has 12 apples and eats 4. How many are left?",
                List.of(),
                "Step 1: 12 - 4 = 8",
                "Step 1: 12 - 5 = 7"),
            PromptTemplates.DEFAULT.judge(
                "Tom has 12 apples and eats 4. How many are left?",
                List.of(),
                "Step 1: 12 - 5 = 7",
                "Step 1: 12 - 4 = 8"),
            PromptTemplates.DEFAULT.judge(
                "A box holds 6 rows of 3 cups. How many cups?",
                List.of("Step 1: 6 * 3 = 18"),
                "Step 2: The answer is \\boxed{18}",
                "Step 2: The answer is \\boxed{9}"));
    try (NDManager root = NDManager.newBaseManager();
        HfTokenizer tokenizer = HfTokenizer.load(m1)) {
      LlamaModel model = Checkpoint.load(m1, root);
      ChatFormat chat = new ChatFormat(tokenizer);
      ForcedChoice judge = new ForcedChoice(new Generator(model, tokenizer::decode), chat);
      List<ForcedChoice.Choice> choices =
          judge.choose(turns.stream().map(judge::promptIds).toList(), new int[turns.size()]);
      CompletionScorer scorer = new CompletionScorer(model);
      for (int i = 0; i < turns.size(); i++) {
        int[] prompt = chat.prompt(turns.get(i));
        int[] a = tokenizer.encode("[[A]]"), b = tokenizer.encode("[[B]]");
        int at = 0;
        while (a[at] == b[at]) at++;
        List<CompletionScorer.Scored> scored = scorer.score(List.of(prompt, prompt), List.of(a, b));
        double logA = scored.get(0).tokenLogProbs()[at], logB = scored.get(1).tokenLogProbs()[at];
        double pA = Math.exp(logA) / (Math.exp(logA) + Math.exp(logB));
        ForcedChoice.Choice c = choices.get(i);
        assertThat(c.verdict()).isEqualTo(pA > 0.5 ? Verdict.A : Verdict.B);
        assertThat(c.probability()).isCloseTo(Math.max(pA, 1 - pA), within(1e-5));
        assertThat(c.text()).isEqualTo(c.verdict().tag());
      }
    }
  }
}
