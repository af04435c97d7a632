package dev.stepwise.generate;

import dev.stepwise.sampling.FixedSampler;
import dev.stepwise.sampling.TokenChooser;
import java.util.List;
import java.util.Set;

/**
 * One prompt to continue.
 *
 * @param prompt token ids (at least one)
 * @param maxNewTokens generation stops after this many tokens (finish reason LENGTH)
 * @param seed seeds this request's own java.util.Random, e.g. from (run seed, round, item id)
 * @param chooser picks each token from the logits (greedy, top-p, EDT, ...)
 * @param stopStrings generation stops once the decoded completion contains one of these
 * @param eosTokenIds generation stops after one of these tokens
 */
public record GenerationRequest(
    int[] prompt,
    int maxNewTokens,
    long seed,
    TokenChooser chooser,
    List<String> stopStrings,
    Set<Integer> eosTokenIds) {

  public GenerationRequest {
    if (prompt == null || prompt.length == 0)
      throw new IllegalArgumentException("prompt must have at least one token");
    if (maxNewTokens < 1)
      throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
    if (chooser == null)
      throw new IllegalArgumentException("chooser is required (e.g. FixedSampler.greedy())");
    stopStrings = List.copyOf(stopStrings);
    if (stopStrings.stream().anyMatch(String::isEmpty))
      throw new IllegalArgumentException("stop strings must not be empty");
    eosTokenIds = Set.copyOf(eosTokenIds);
  }

  /** Greedy decoding with no stop strings: the plainest request. */
  public static GenerationRequest greedy(int[] prompt, int maxNewTokens, Set<Integer> eosTokenIds) {
    return new GenerationRequest(
        prompt, maxNewTokens, 0L, FixedSampler.greedy(), List.of(), eosTokenIds);
  }
}
