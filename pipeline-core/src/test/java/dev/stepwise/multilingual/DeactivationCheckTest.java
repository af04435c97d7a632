package dev.stepwise.multilingual;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.CompletionScorer;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.TinyPreset;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskConfig;
import dev.stepwise.tasks.TaskExample;
import dev.stepwise.tasks.TaskGenerator;
import dev.stepwise.tasks.TinyTokenizer;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.HfTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Accuracy and perplexity per language with and without zeroed neurons, on a tiny random decoder.
 */
class DeactivationCheckTest {

  @Test
  void perplexityIsPooledPerLanguageAndZeroedNeuronsChangeIt(@TempDir Path dir) throws Exception {
    TinyTokenizer.write(dir.resolve("tok"), 300, 3);
    try (HfTokenizer tokenizer = HfTokenizer.load(dir.resolve("tok"));
        NDManager manager = NDManager.newBaseManager()) {
      ChatFormat chat = new ChatFormat(tokenizer);
      TinyPreset.writeRandomInit(
          TinyPreset.config(tokenizer.vocabSize(), null, chat.eosId()),
          9,
          dir.resolve("model"),
          dir.resolve("tok"));
      List<DeactivationCheck.Item> items = new ArrayList<>();
      for (TaskExample e :
          new TaskGenerator(TaskConfig.defaults(), 1)
              .ift(Split.EVAL, 0, 2, List.of(Language.JA, Language.EN))) {
        items.add(
            new DeactivationCheck.Item(e.id(), e.lang(), e.prompt(), e.gold(), e.completion()));
      }
      try (LlamaModel model = Checkpoint.load(dir.resolve("model"), manager)) {
        NeuronMask mask =
            new NeuronMask(IntStream.range(0, 192).mapToObj(j -> new Neuron(1, j)).toList());
        List<DeactivationCheck.Outcome> outcomes =
            new DeactivationCheck(model, chat, 6, 3).run(items, mask);

        assertThat(outcomes)
            .extracting(DeactivationCheck.Outcome::lang)
            .containsExactly("ja", "en");
        CompletionScorer scorer = new CompletionScorer(model);
        for (DeactivationCheck.Outcome o : outcomes) {
          List<DeactivationCheck.Item> mine =
              items.stream().filter(i -> i.lang().equals(o.lang())).toList();
          List<int[]> prompts = mine.stream().map(i -> chat.prompt(i.userTurn())).toList();
          List<int[]> references =
              mine.stream().map(i -> chat.completion(i.referenceResponse())).toList();
          double nll =
              -scorer.score(prompts, references).stream()
                  .mapToDouble(CompletionScorer.Scored::sum)
                  .sum();
          int tokens = references.stream().mapToInt(r -> r.length).sum();
          assertThat(o.base().items()).isEqualTo(2);
          assertThat(o.base().perplexity())
              .isCloseTo(Math.exp(nll / tokens), within(1e-3 * Math.exp(nll / tokens)));
          // A random 300-token model is near-uniform: perplexity close to the vocabulary size.
          assertThat(o.base().perplexity()).isBetween(200.0, 400.0);
          assertThat(o.deactivated().perplexity())
              .isNotCloseTo(o.base().perplexity(), within(1e-6));
          assertThat(o.base().accuracy()).isZero(); // an untrained model writes no boxed answer
        }
      }
    }
  }
}
