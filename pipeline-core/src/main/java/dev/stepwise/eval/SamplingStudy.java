package dev.stepwise.eval;

import dev.stepwise.generate.Generation;
import dev.stepwise.generate.GenerationRequest;
import dev.stepwise.generate.Generator;
import dev.stepwise.sampling.Seeds;
import dev.stepwise.text.Answers;
import dev.stepwise.text.ChatFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Draws k samples of a problem under every strategy of a grid (the EDT study, docs/methods.md §C).
 * Sample i of a problem is seeded by (run seed, problem id, i) under every strategy, so strategies
 * are compared on the same random numbers and a rerun gives the same text. All of a problem's
 * requests share one prompt and go to the generator together, so its batches, and hence its
 * outputs, do not depend on which other problems a task holds.
 */
public final class SamplingStudy {

  /**
   * One sample as drawn and graded.
   *
   * @param predicted the normalized final answer, null when there is none
   * @param meanTemperature mean of the temperatures its tokens were drawn at (0 = greedy token)
   * @param meanEntropy mean entropy (nats) of the unscaled distributions it was drawn from
   */
  public record Drawn(
      SamplingPoint point,
      int sample,
      long seed,
      Generation generation,
      String predicted,
      boolean correct,
      double meanTemperature,
      double meanEntropy) {}

  private final Generator generator;
  private final ChatFormat chat;
  private final int maxNewTokens;
  private final long runSeed;
  private final int samples;
  private final double topP;
  private final double n;

  /**
   * @param samples k, samples per problem and strategy
   * @param topP nucleus mass of every strategy
   * @param n EDT's base N
   */
  public SamplingStudy(
      Generator generator,
      ChatFormat chat,
      int maxNewTokens,
      long runSeed,
      int samples,
      double topP,
      double n) {
    this.generator = generator;
    this.chat = chat;
    this.maxNewTokens = maxNewTokens;
    this.runSeed = runSeed;
    this.samples = samples;
    this.topP = topP;
    this.n = n;
  }

  /** The seed of sample {@code sample} of a problem, the same for every strategy. */
  public static long seed(long runSeed, String problemId, int sample) {
    return Seeds.mix(runSeed, problemId.hashCode(), sample);
  }

  /** k samples under each point of {@code grid}, point by point, in sample order. */
  public List<Drawn> sample(HeldOutEval.Item problem, List<SamplingPoint> grid) {
    int[] prompt = chat.prompt(problem.userTurn());
    List<GenerationRequest> requests = new ArrayList<>();
    for (SamplingPoint point : grid) {
      var strategy = point.strategy(topP, n);
      for (int i = 0; i < samples; i++) {
        requests.add(
            new GenerationRequest(
                prompt,
                maxNewTokens,
                seed(runSeed, problem.id(), i),
                strategy.newRequest(),
                List.of(),
                Set.of(chat.eosId())));
      }
    }
    List<Generation> generated = generator.generate(requests);
    List<Drawn> out = new ArrayList<>();
    for (int r = 0; r < generated.size(); r++) {
      Generation g = generated.get(r);
      out.add(
          new Drawn(
              grid.get(r / samples),
              r % samples,
              requests.get(r).seed(),
              g,
              Answers.extract(g.text()).orElse(null),
              Answers.isCorrect(g.text(), problem.gold()),
              mean(g.temperatures()),
              mean(g.entropies())));
    }
    return out;
  }

  private static double mean(float[] values) {
    double sum = 0;
    for (float v : values) sum += v;
    return values.length == 0 ? 0 : sum / values.length;
  }
}
