package dev.stepwise.search;

import dev.stepwise.model.CompletionScorer;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.text.ChatFormat;
import java.util.ArrayList;
import java.util.List;

/**
 * A decoder as a PRM: the pointwise step-judge prompt, then the probability of the positive verdict
 * against the negative one, p(+) / (p(+) + p(-)), each verdict's log-probability summed over its
 * tokens by {@link CompletionScorer}. The policy itself (its own step judge) and a decoder trained
 * on step labels ({@code stepwise prm train}) score alike.
 */
public final class ModelPrm implements Prm {

  private final CompletionScorer scorer;
  private final ChatFormat chat;
  private final StepJudgePrompt prompt;
  private final int batchSize;

  public ModelPrm(LlamaModel model, ChatFormat chat, StepJudgePrompt prompt, int batchSize) {
    this.scorer = new CompletionScorer(model);
    this.chat = chat;
    this.prompt = prompt;
    this.batchSize = batchSize;
  }

  @Override
  public List<Double> score(List<Request> requests) {
    int[] positive = prompt.verdictIds(chat, true), negative = prompt.verdictIds(chat, false);
    List<Double> out = new ArrayList<>(requests.size());
    // Each request is scored twice (both verdicts); a batch holds batchSize rows.
    int perBatch = Math.max(1, batchSize / 2);
    for (int from = 0; from < requests.size(); from += perBatch) {
      List<int[]> prompts = new ArrayList<>(), completions = new ArrayList<>();
      for (Request r : requests.subList(from, Math.min(requests.size(), from + perBatch))) {
        int[] ids = prompt.promptIds(chat, r);
        prompts.add(ids);
        completions.add(positive);
        prompts.add(ids);
        completions.add(negative);
      }
      List<CompletionScorer.Scored> scored = scorer.score(prompts, completions);
      for (int i = 0; i < scored.size(); i += 2)
        out.add(probability(scored.get(i).sum(), scored.get(i + 1).sum()));
    }
    return out;
  }

  /** p(+) / (p(+) + p(-)) from the two log-probabilities, computed stably. */
  static double probability(double logPositive, double logNegative) {
    return 1 / (1 + Math.exp(logNegative - logPositive));
  }
}
