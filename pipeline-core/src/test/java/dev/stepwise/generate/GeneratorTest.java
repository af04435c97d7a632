package dev.stepwise.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.CompletionScorer;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.MlpHook;
import dev.stepwise.sampling.Edt;
import dev.stepwise.sampling.FixedSampler;
import dev.stepwise.sampling.Logits;
import dev.stepwise.sampling.SamplingStrategy;
import dev.stepwise.sampling.TokenChooser;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GeneratorTest {

  /** Spells token i as one letter, so stop strings can be tested on real decoded text. */
  private static final TokenDecoder LETTERS =
      ids ->
          Arrays.stream(ids)
              .mapToObj(i -> String.valueOf((char) ('a' + i % 26)))
              .collect(Collectors.joining());

  /** Plain softmax sampling at temperature 1, drawing only from the request's Random. */
  private static final TokenChooser SAMPLE = new FixedSampler(1.0, 0, 1.0);

  private static final List<int[]> PROMPTS =
      List.of(
          new int[] {1, 5, 9},
          new int[] {1},
          new int[] {1, 40, 41, 42, 3, 3, 3, 8},
          new int[] {1, 22});

  private static NDManager root;
  private static LlamaModel model;

  @BeforeAll
  static void load() throws Exception {
    root = NDManager.newBaseManager();
    model = Checkpoint.load(fixture("qwen2-tiny"), root);
  }

  @AfterAll
  static void close() {
    model.close();
    root.close();
  }

  static Path fixture(String name) throws URISyntaxException {
    return Path.of(GeneratorTest.class.getResource("/fixtures/" + name + "/config.json").toURI())
        .getParent();
  }

  @Test
  void greedyTokensAndLogProbsMatchAFullForwardOfTheResult() {
    List<GenerationRequest> requests =
        PROMPTS.stream().map(p -> GenerationRequest.greedy(p, 12, Set.of())).toList();
    List<Generation> results = new Generator(model, LETTERS).generate(requests);
    List<int[]> completions = results.stream().map(Generation::tokens).toList();
    List<CompletionScorer.Scored> scored = new CompletionScorer(model).score(PROMPTS, completions);
    for (int b = 0; b < PROMPTS.size(); b++) {
      Generation g = results.get(b);
      assertThat(g.tokens()).hasSize(12);
      assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.LENGTH);
      assertThat(g.text()).isEqualTo(LETTERS.decode(g.tokens()));
      for (int t = 0; t < 12; t++) {
        assertThat((double) g.logProbs()[t])
            .isCloseTo(scored.get(b).tokenLogProbs()[t], within(1e-4));
        assertThat(g.temperatures()[t]).isZero();
      }
      // Entropy is computed for the whole batch on the engine; it must equal Java's double math
      // on the logits of a plain full forward.
      float[][] logits = fullForwardLogits(PROMPTS.get(b), g.tokens());
      for (int t = 0; t < 12; t++)
        assertThat((double) g.entropies()[t]).isCloseTo(Logits.entropy(logits[t]), within(1e-4));
    }
    // Same model, same requests: the same tokens on a second run.
    assertThat(
            new Generator(model, LETTERS)
                .generate(requests).stream().map(Generation::tokens).toList())
        .containsExactlyElementsOf(completions);
  }

  /**
   * Next-token logits after each prompt-plus-completion prefix that predicts a completion token.
   */
  private static float[][] fullForwardLogits(int[] prompt, int[] completion) {
    int[] all = IntStream.concat(IntStream.of(prompt), IntStream.of(completion)).toArray();
    try (NDManager scope = root.newSubManager()) {
      NDArray ids =
          scope.create(Arrays.stream(all).asLongStream().toArray(), new Shape(1, all.length));
      float[] flat = model.forward(ids, new int[] {0}).toFloatArray();
      int vocab = flat.length / all.length;
      float[][] out = new float[completion.length][];
      for (int t = 0; t < completion.length; t++) {
        int position = prompt.length - 1 + t;
        out[t] = Arrays.copyOfRange(flat, position * vocab, (position + 1) * vocab);
      }
      return out;
    }
  }

  /** One sampler of each kind: plain, top-p, top-k with top-p, token-level EDT. */
  private static final List<SamplingStrategy> MIXED =
      List.of(
          new FixedSampler(1.0, 0, 1.0),
          new FixedSampler(0.7, 0, 0.9),
          new FixedSampler(1.2, 5, 0.95),
          new Edt(0.6, 0.1, 0.8, 0.95, false));

  @Test
  void aSampledRequestGivesTheSameTokensAloneAndInAnyBatch() {
    List<GenerationRequest> requests =
        IntStream.range(0, PROMPTS.size())
            .mapToObj(
                i ->
                    new GenerationRequest(
                        PROMPTS.get(i),
                        6 + 3 * i,
                        1000L + i,
                        MIXED.get(i).newRequest(),
                        List.of(),
                        Set.of()))
            .toList();
    List<Generation> batched = new Generator(model, LETTERS).generate(requests);
    List<GenerationRequest> reversed = new ArrayList<>(requests);
    Collections.reverse(reversed);
    List<Generation> reversedBatch = new Generator(model, LETTERS, null, 3).generate(reversed);
    for (int i = 0; i < requests.size(); i++) {
      Generation alone = new Generator(model, LETTERS).generate(List.of(requests.get(i))).get(0);
      assertThat(batched.get(i).tokens()).as("request %d", i).containsExactly(alone.tokens());
      assertThat(reversedBatch.get(requests.size() - 1 - i).tokens())
          .containsExactly(alone.tokens());
      assertThat(alone.tokens()).hasSize(6 + 3 * i); // per-request max new tokens
    }
    // Different seeds give different samples (a sampler that ignored its Random would fail here).
    assertThat(batched.stream().map(g -> Arrays.toString(g.tokens())).distinct())
        .hasSize(requests.size());
  }

  /**
   * The generator samples on the engine; replaying each request in Java, with the old per-row
   * sampler on the logits of a plain full forward and the same seeded Random, gives the same
   * tokens.
   */
  @Test
  void engineSamplingPicksTheTokensOfTheJavaSampler() {
    int total = 0;
    for (int i = 0; i < PROMPTS.size(); i++) {
      for (SamplingStrategy strategy : MIXED) {
        long seed = 77L * i + MIXED.indexOf(strategy);
        Generation g =
            new Generator(model, LETTERS)
                .generate(
                    List.of(
                        new GenerationRequest(
                            PROMPTS.get(i), 10, seed, strategy.newRequest(), List.of(), Set.of())))
                .get(0);
        float[][] logits = fullForwardLogits(PROMPTS.get(i), g.tokens());
        TokenChooser java = strategy.newRequest();
        Random rng = new Random(seed);
        for (int t = 0; t < g.tokens().length; t++) {
          TokenChooser.Choice c = java.choose(logits[t], rng);
          assertThat(g.tokens()[t])
              .as("prompt %d, %s, token %d", i, strategy, t)
              .isEqualTo(c.token());
          assertThat((double) g.temperatures()[t]).isCloseTo(c.temperature(), within(1e-5));
          total++;
        }
      }
    }
    assertThat(total).isEqualTo(PROMPTS.size() * MIXED.size() * 10);
  }

  /**
   * Continuous batching: with room for 2 rows, 6 requests of uneven lengths decode as a batch of 2
   * from start to end (a finished row's place goes to the next waiting request at once), and every
   * request gets the tokens it gets alone, whenever it joined and whatever row it shared with.
   */
  @Test
  void finishedRowsAreReplacedByWaitingRequestsWithTheSameTokens() {
    int[] lengths = {2, 17, 3, 5, 9, 4};
    List<GenerationRequest> requests =
        IntStream.range(0, lengths.length)
            .mapToObj(
                i ->
                    new GenerationRequest(
                        PROMPTS.get(i % PROMPTS.size()),
                        lengths[i],
                        500L + i,
                        MIXED.get(i % MIXED.size()).newRequest(),
                        List.of(),
                        Set.of()))
            .toList();
    List<Long> forwardRows = new ArrayList<>(), forwardTimes = new ArrayList<>();
    MlpHook batchSizes =
        new MlpHook() {
          @Override
          public void observeGate(int layer, NDArray gate) {
            if (layer == 0) {
              forwardRows.add(gate.getShape().get(0));
              forwardTimes.add(gate.getShape().get(1));
            }
          }
        };
    List<Generation> together = new Generator(model, LETTERS, batchSizes, 2).generate(requests);
    for (int i = 0; i < requests.size(); i++) {
      GenerationRequest alone =
          new GenerationRequest(
              requests.get(i).prompt(),
              lengths[i],
              500L + i,
              MIXED.get(i % MIXED.size()).newRequest(),
              List.of(),
              Set.of());
      assertThat(together.get(i).tokens())
          .as("request %d", i)
          .containsExactly(new Generator(model, LETTERS).generate(List.of(alone)).get(0).tokens());
    }
    // Requests 0 and 1 start together; each later one is prefilled alone as soon as a row is free:
    // 5 prefills and 18 decoding steps (1 + 2 + 4 + 8 + 1 with two rows, then request 5's last 2
    // alone).
    // Fixed batches of two (the old way) take 31 forwards: 3 prefills and 16 + 4 + 8 decoding
    // steps.
    assertThat(forwardRows).hasSize(23);
    assertThat(forwardRows.stream().filter(r -> r == 1))
        .hasSize(6); // the prefills of requests 2-5 and the 2 last steps
    assertThat(forwardTimes.stream().filter(t -> t > 1))
        .hasSize(4); // prompt 5 is one token, so its prefill looks like a step
  }

  @Test
  void stopsAtEosAndAtStopStringsOnDecodedText() {
    int[] prompt = PROMPTS.get(0);
    Generation free =
        new Generator(model, LETTERS)
            .generate(List.of(new GenerationRequest(prompt, 10, 7L, SAMPLE, List.of(), Set.of())))
            .get(0);
    int eos = free.tokens()[4];
    int firstEos = Arrays.stream(free.tokens()).boxed().toList().indexOf(eos);
    Generation stoppedAtEos =
        new Generator(model, LETTERS)
            .generate(
                List.of(new GenerationRequest(prompt, 10, 7L, SAMPLE, List.of(), Set.of(eos))))
            .get(0);
    assertThat(stoppedAtEos.finishReason()).isEqualTo(Generation.FinishReason.EOS);
    assertThat(stoppedAtEos.tokens()).containsExactly(Arrays.copyOf(free.tokens(), firstEos + 1));
    assertThat(stoppedAtEos.text()).isEqualTo(free.text().substring(0, firstEos));

    String stop = free.text().substring(5, 7);
    Generation stopped =
        new Generator(model, LETTERS)
            .generate(
                List.of(
                    new GenerationRequest(prompt, 10, 7L, SAMPLE, List.of("zzzz", stop), Set.of())))
            .get(0);
    int at = free.text().indexOf(stop);
    assertThat(stopped.finishReason()).isEqualTo(Generation.FinishReason.STOP_STRING);
    assertThat(stopped.stopString()).isEqualTo(stop);
    assertThat(stopped.text()).isEqualTo(free.text().substring(0, at));
    assertThat(stopped.tokens()).containsExactly(Arrays.copyOf(free.tokens(), at + stop.length()));
  }

  @Test
  void manySmallGenerationsLeaveNoArraysBehind() {
    int before = model.manager().getManagedArrays().size();
    Generator generator = new Generator(model, LETTERS);
    Random seeds = new Random(3);
    for (int i = 0; i < 300; i++) {
      generator.generate(
          List.of(
              new GenerationRequest(
                  PROMPTS.get(i % PROMPTS.size()),
                  1 + i % 5,
                  seeds.nextLong(),
                  SAMPLE,
                  List.of("q"),
                  Set.of(2)),
              GenerationRequest.greedy(PROMPTS.get((i + 1) % PROMPTS.size()), 3, Set.of())));
    }
    assertThat(model.manager().getManagedArrays()).hasSize(before);
  }

  @Test
  void sharedPrefixesGiveThePlainPathsTokensAndLogProbs() {
    int[] prefix = {1, 5, 9, 12, 30, 7, 7, 2, 17, 4};
    List<int[]> prompts = new ArrayList<>();
    for (int n = 0; n < 4; n++) prompts.add(prefix); // n samples of one prompt
    for (int[] suffix : List.of(new int[] {40}, new int[] {41, 42, 43}, new int[] {3, 3}))
      prompts.add(IntStream.concat(Arrays.stream(prefix), Arrays.stream(suffix)).toArray());
    prompts.add(new int[] {1, 22}); // shares nothing
    int[] shared = new int[prompts.size()];
    Arrays.fill(shared, 0, shared.length - 1, prefix.length);
    // The next step: the prefix grown by two tokens, its cache extended rather than refilled.
    int[] longer = IntStream.concat(Arrays.stream(prefix), IntStream.of(40, 11)).toArray();
    List<int[]> next = List.of(longer, longer, append(longer, 9));
    int before = model.manager().getManagedArrays().size();
    // Batches of 3: the rows join the running batch as others finish (continuous batching).
    Generator plain = new Generator(model, LETTERS, null, 3);
    try (PrefixCache cache = new PrefixCache(model, null, 1 << 20)) {
      Generator sharing = new Generator(model, LETTERS, null, 3, cache);
      for (List<int[]> call : List.of(prompts, next)) {
        int[] lengths = call == prompts ? shared : new int[] {longer.length, longer.length, 12};
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < call.size(); i++)
          requests.add(
              new GenerationRequest(call.get(i), 3 + 2 * i, 100 + i, SAMPLE, List.of(), Set.of()));
        assertClose(plain.generate(requests), sharing.generate(requests, lengths));
        float[][] wantNext = plain.nextTokenLogProbs(call, lengths, new int[] {3, 8});
        float[][] gotNext = sharing.nextTokenLogProbs(call, lengths, new int[] {3, 8});
        for (int i = 0; i < call.size(); i++)
          for (int t = 0; t < 2; t++)
            assertThat(gotNext[i][t]).isCloseTo(wantNext[i][t], within(1e-5f));
      }
      // The prefix was prefilled once (9 of its 10 tokens: a prompt's last token always runs, then
      // its 10th for the prompts that extend it), the next step computed only new tokens (its two
      // prefixes, 11 and 12 tokens, prefilled together from the 10 cached: 2 each), and every
      // other use copied them.
      assertThat(cache.computedTokens()).isEqualTo(prefix.length - 1 + 1 + 2 * 2);
      assertThat(cache.reusedTokens()).isGreaterThan(10L * prefix.length);
    }
    assertThat(model.manager().getManagedArrays()).hasSize(before);
  }

  /**
   * An executor's cache serves every generator of the model: a second generator (another task)
   * copies the prefix the first computed instead of prefilling it, with the plain path's tokens.
   */
  @Test
  void generatorsSharingACacheReuseEachOthersPrefixes() {
    int[] prefix = {1, 5, 9, 12, 30, 7, 7, 2, 17, 4, 8, 8};
    int before = model.manager().getManagedArrays().size();
    Generator plain = new Generator(model, LETTERS);
    try (PrefixCache cache = new PrefixCache(model, null, 1 << 20)) {
      Generator first = new Generator(model, LETTERS, null, 4, cache);
      Generator second = new Generator(model, LETTERS, null, 2, cache);
      assertSameAsPlain(plain, first, samples(prefix, 3, 10));
      long computed = cache.computedTokens(), reused = cache.reusedTokens();
      assertThat(computed).isEqualTo(prefix.length - 1);
      assertSameAsPlain(plain, second, samples(prefix, 5, 20));
      assertThat(cache.computedTokens()).isEqualTo(computed);
      // Copied at each of its prefills (its batch of 2 admits the 5 rows as others finish).
      assertThat(cache.reusedTokens() - reused).isPositive();
      assertThat((cache.reusedTokens() - reused) % (prefix.length - 1)).isZero();
      assertThat(cache.bytes()).isPositive();
    }
    assertThat(model.manager().getManagedArrays()).hasSize(before);
  }

  /**
   * Two threads generating at once through one cache (local[2]: two tasks on one model) get what
   * each gets alone, also when every entry is evicted while the other thread is copying from it (a
   * 1-byte bound: leased entries close only when released).
   */
  @Test
  void concurrentGeneratorsThroughOneCacheGetTheSequentialResults() throws Exception {
    List<List<GenerationRequest>> work = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      int[] prefix = {1, 5 + i % 3, 9, 12, 30, 7, 2, 17};
      work.add(samples(i % 2 == 0 ? prefix : append(prefix, 40 + i), 4, 100 * i));
    }
    Generator plain = new Generator(model, LETTERS, null, 3);
    List<List<Generation>> expected = work.stream().map(plain::generate).toList();
    int before = model.manager().getManagedArrays().size();
    for (long bound : new long[] {1, 1 << 20}) {
      try (PrefixCache cache = new PrefixCache(model, null, bound)) {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
          List<Future<List<Generation>>> results = new ArrayList<>();
          for (List<GenerationRequest> requests : work) {
            Generator generator = new Generator(model, LETTERS, null, 3, cache);
            int[] shared = new int[requests.size()];
            Arrays.fill(shared, requests.get(0).prompt().length);
            results.add(pool.submit(() -> generator.generate(requests, shared)));
          }
          for (int i = 0; i < work.size(); i++)
            assertClose(expected.get(i), results.get(i).get(2, TimeUnit.MINUTES));
        } finally {
          pool.shutdown();
        }
        if (bound > 1) assertThat(cache.reusedTokens()).isPositive();
      }
      assertThat(model.manager().getManagedArrays()).hasSize(before);
    }
  }

  /** n sampled continuations of one prompt, seeds from {@code seed}. */
  private static List<GenerationRequest> samples(int[] prompt, int n, long seed) {
    List<GenerationRequest> requests = new ArrayList<>();
    for (int i = 0; i < n; i++)
      requests.add(new GenerationRequest(prompt, 4 + i, seed + i, SAMPLE, List.of(), Set.of()));
    return requests;
  }

  private static void assertSameAsPlain(
      Generator plain, Generator sharing, List<GenerationRequest> requests) {
    int[] shared = new int[requests.size()];
    Arrays.fill(shared, requests.get(0).prompt().length);
    assertClose(plain.generate(requests), sharing.generate(requests, shared));
  }

  /** The same tokens, log-probs within 1e-5 (the copied keys' float sums). */
  private static void assertClose(List<Generation> expected, List<Generation> actual) {
    for (int i = 0; i < expected.size(); i++) {
      assertThat(actual.get(i).tokens()).containsExactly(expected.get(i).tokens());
      float[] want = expected.get(i).logProbs(), got = actual.get(i).logProbs();
      for (int t = 0; t < want.length; t++) assertThat(got[t]).isCloseTo(want[t], within(1e-5f));
    }
  }

  private static int[] append(int[] a, int token) {
    int[] out = Arrays.copyOf(a, a.length + 1);
    out[a.length] = token;
    return out;
  }
}
