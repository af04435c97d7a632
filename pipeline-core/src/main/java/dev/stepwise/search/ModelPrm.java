package dev.stepwise.search;

import dev.stepwise.generate.GenerationRequest;
import dev.stepwise.generate.Generator;
import dev.stepwise.model.CompletionScorer;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.sampling.FixedSampler;
import dev.stepwise.text.ChatFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

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
  private final Generator checker;
  private final int checkTokens;

  /**
   * @param checkTokens longest check line written before the verdict; 0 = the verdict at once
   */
  public ModelPrm(
      LlamaModel model,
      ChatFormat chat,
      StepJudgePrompt prompt,
      int batchSize,
      Generator checker,
      int checkTokens) {
    this.scorer = new CompletionScorer(model);
    this.chat = chat;
    this.prompt = prompt;
    this.batchSize = batchSize;
    this.checker = checker;
    this.checkTokens = checkTokens;
  }

  /** The PRM's check lines (greedy), one per request; empty without checks. */
  public List<String> checks(List<Request> requests) {
    if (checkTokens == 0) return List.of();
    List<GenerationRequest> generation = new ArrayList<>();
    for (Request r : requests)
      generation.add(
          new GenerationRequest(
              prompt.promptIds(chat, r),
              checkTokens,
              0L,
              FixedSampler.greedy(),
              List.of("\n"),
              Set.of(chat.eosId())));
    return checker.generate(generation).stream().map(g -> g.text()).toList();
  }

  @Override
  public List<Double> score(List<Request> requests) {
    List<String> checks = checks(requests);
    int[] positive = prompt.verdictIds(chat, true), negative = prompt.verdictIds(chat, false);
    List<Double> out = new ArrayList<>(requests.size());
    // Each request is scored twice (both verdicts); a batch holds batchSize rows.
    int perBatch = Math.max(1, batchSize / 2);
    for (int from = 0; from < requests.size(); from += perBatch) {
      List<int[]> prompts = new ArrayList<>(), completions = new ArrayList<>();
      for (int i = from; i < Math.min(requests.size(), from + perBatch); i++) {
        int[] ids = prompt.promptIds(chat, requests.get(i));
        if (!checks.isEmpty()) {
          int[] check = StepJudgePrompt.checkIds(chat, checks.get(i));
          int[] joined = Arrays.copyOf(ids, ids.length + check.length);
          System.arraycopy(check, 0, joined, ids.length, check.length);
          ids = joined;
        }
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
