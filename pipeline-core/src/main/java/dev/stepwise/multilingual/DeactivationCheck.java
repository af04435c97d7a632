package dev.stepwise.multilingual;

import dev.stepwise.generate.Generation;
import dev.stepwise.generate.GenerationRequest;
import dev.stepwise.generate.Generator;
import dev.stepwise.model.CompletionScorer;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.MlpHook;
import dev.stepwise.text.Answers;
import dev.stepwise.text.ChatFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates language neurons (docs/methods.md §E step 10): each target language's greedy accuracy
 * and perplexity with and without a {@link NeuronMask}. Deactivating a language's neurons should
 * hurt that language far more than the others.
 */
public final class DeactivationCheck {

  /**
   * @param userTurn the problem as the user turn (before the chat template)
   * @param gold the final answer, compared with the output's boxed answer
   * @param referenceResponse a response in the item's language whose perplexity is measured
   */
  public record Item(
      String id, String lang, String userTurn, String gold, String referenceResponse) {}

  /**
   * @param perplexity exp of the mean negative log-likelihood over all reference-response tokens of
   *     the language (EOS included), pooled over items, not averaged per item
   */
  public record Score(int items, double accuracy, double perplexity) {}

  /** One target language, with the neurons active and deactivated. */
  public record Outcome(String lang, Score base, Score deactivated) {
    public double accuracyChange() {
      return deactivated.accuracy() - base.accuracy();
    }

    public double perplexityChange() {
      return deactivated.perplexity() - base.perplexity();
    }
  }

  private final LlamaModel model;
  private final ChatFormat chat;
  private final int maxNewTokens;
  private final int batchSize;

  public DeactivationCheck(LlamaModel model, ChatFormat chat, int maxNewTokens, int batchSize) {
    if (maxNewTokens < 1 || batchSize < 1)
      throw new IllegalArgumentException("maxNewTokens and batchSize must be >= 1");
    this.model = model;
    this.chat = chat;
    this.maxNewTokens = maxNewTokens;
    this.batchSize = batchSize;
  }

  /** Per target language (in first-seen order), scores without and with {@code mask}. */
  public List<Outcome> run(List<Item> items, NeuronMask mask) {
    Map<String, Score> base = evaluate(items, null), deactivated = evaluate(items, mask);
    List<Outcome> out = new ArrayList<>();
    base.forEach((lang, score) -> out.add(new Outcome(lang, score, deactivated.get(lang))));
    return out;
  }

  /** Accuracy and perplexity per language through {@code hook} (null: the plain model). */
  public Map<String, Score> evaluate(List<Item> items, MlpHook hook) {
    Generator generator =
        new Generator(model, ids -> chat.tokenizer().decode(ids), hook, batchSize);
    CompletionScorer scorer = new CompletionScorer(model);
    List<GenerationRequest> requests = new ArrayList<>();
    List<int[]> prompts = new ArrayList<>(), references = new ArrayList<>();
    for (Item item : items) {
      int[] prompt = chat.prompt(item.userTurn());
      prompts.add(prompt);
      references.add(chat.completion(item.referenceResponse()));
      requests.add(GenerationRequest.greedy(prompt, maxNewTokens, Set.of(chat.eosId())));
    }
    List<Generation> outputs = generator.generate(requests);
    Map<String, double[]> totals = new LinkedHashMap<>(); // lang -> {items, correct, nll, tokens}
    for (int from = 0; from < items.size(); from += batchSize) {
      int to = Math.min(items.size(), from + batchSize);
      List<CompletionScorer.Scored> scored =
          scorer.score(prompts.subList(from, to), references.subList(from, to), hook);
      for (int i = from; i < to; i++) {
        Item item = items.get(i);
        double[] t = totals.computeIfAbsent(item.lang(), l -> new double[4]);
        t[0]++;
        if (Answers.isCorrect(outputs.get(i).text(), item.gold())) t[1]++;
        t[2] -= scored.get(i - from).sum();
        t[3] += references.get(i).length;
      }
    }
    Map<String, Score> out = new LinkedHashMap<>();
    totals.forEach(
        (lang, t) -> out.put(lang, new Score((int) t[0], t[1] / t[0], Math.exp(t[2] / t[3]))));
    return out;
  }
}
