package dev.stepwise.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.model.KvCache;
import dev.stepwise.model.LeftPaddedBatch;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.MlpHook;
import dev.stepwise.sampling.BatchSampler;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Batched decoding with a KV cache and continuous batching: up to {@code maxBatchSize} requests
 * decode together; when one finishes it leaves the batch (and the cache) and the next waiting
 * requests are prefilled and join it, so long, uneven generations keep the batch full. Prompts of
 * different lengths are left-padded; each request draws from its own Random, so it yields the same
 * tokens alone or in any batch, whenever it joins.
 *
 * <p>With a {@link PrefixCache} (which several generators and threads may share), the leading
 * tokens a caller marks as shared (e.g. question + accepted steps, for n candidate steps or for
 * every judge prompt of one step) are prefilled once into it and copied into each request's cache
 * rows; only the rest of each prompt runs through the model. Each request still draws from its own
 * Random, so the tokens are those of the plain path, up to the order of floating-point sums in the
 * copied keys.
 */
public final class Generator {

  private final LlamaModel model;
  private final TokenDecoder decoder;
  private final MlpHook hook;
  private final int maxBatchSize;
  private final PrefixCache prefixes;

  /**
   * @param hook null, or e.g. zeroed language neurons for deactivation experiments
   * @param maxBatchSize requests per forward; more are generated in consecutive batches
   */
  public Generator(LlamaModel model, TokenDecoder decoder, MlpHook hook, int maxBatchSize) {
    this(model, decoder, hook, maxBatchSize, null);
  }

  /**
   * @param prefixes the cache of shared prefixes, made for this model and hook; null turns prefix
   *     sharing off (every prompt is prefilled whole, whatever {@link #generate(List, int[])} is
   *     told)
   */
  public Generator(
      LlamaModel model,
      TokenDecoder decoder,
      MlpHook hook,
      int maxBatchSize,
      PrefixCache prefixes) {
    if (maxBatchSize < 1)
      throw new IllegalArgumentException("maxBatchSize must be >= 1, got " + maxBatchSize);
    if (prefixes != null && (prefixes.model() != model || prefixes.hook() != hook))
      throw new IllegalArgumentException("a prefix cache serves only the model and hook it has");
    this.model = model;
    this.decoder = decoder;
    this.hook = hook;
    this.maxBatchSize = maxBatchSize;
    this.prefixes = prefixes;
  }

  public Generator(LlamaModel model, TokenDecoder decoder) {
    this(model, decoder, null, 16);
  }

  /** Results in request order. */
  public List<Generation> generate(List<GenerationRequest> requests) {
    return generate(requests, new int[requests.size()]);
  }

  /**
   * Results in request order; request i's first {@code sharedPrefix[i]} prompt tokens are a prefix
   * other requests (of this or a later call) share, taken from the prefix cache when there is one.
   */
  public List<Generation> generate(List<GenerationRequest> requests, int[] sharedPrefix) {
    if (sharedPrefix.length != requests.size())
      throw new IllegalArgumentException(
          sharedPrefix.length + " shared prefix lengths for " + requests.size() + " requests");
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) rows.add(new Row(requests.get(i), sharedPrefix[i]));
    Deque<Row> waiting = new ArrayDeque<>(rows);
    List<Row> active = new ArrayList<>();
    KvCache cache = null;
    try {
      while (!waiting.isEmpty() || !active.isEmpty()) {
        if (active.size() < maxBatchSize && !waiting.isEmpty()) {
          List<Row> admitted = new ArrayList<>();
          while (active.size() + admitted.size() < maxBatchSize && !waiting.isEmpty())
            admitted.add(waiting.poll());
          KvCache fresh = prefill(admitted);
          if (admitted.isEmpty()) {
            fresh.close();
          } else if (cache == null) {
            cache = fresh;
          } else {
            List<Row> all = new ArrayList<>(active);
            all.addAll(admitted);
            cache.admit(fresh, all.stream().mapToInt(Row::remaining).max().orElseThrow());
            fresh.close();
          }
          active.addAll(admitted);
        } else {
          long[] ids = active.stream().mapToLong(Row::nextInput).toArray();
          active = advance(active, step(ids, 1, cache.padding(), cache, active), cache);
        }
        if (active.isEmpty() && cache != null) {
          cache.close();
          cache = null;
        }
      }
    } finally {
      if (cache != null) cache.close();
    }
    return rows.stream().map(r -> r.result).toList();
  }

  /**
   * Runs the prompts of {@code admitted} (left-padded together) into a new cache and picks their
   * first tokens; rows that are already done are removed from the list and from the cache. When the
   * prefix cache held all but each prompt's last token (n samples of a shared prompt), that token
   * is left to the next decode step, with the running batch's, instead of a forward pass of its
   * own.
   */
  private KvCache prefill(List<Row> admitted) {
    List<int[]> prompts = admitted.stream().map(r -> r.request.prompt()).toList();
    LeftPaddedBatch batch = LeftPaddedBatch.of(prompts);
    int capacity = batch.length() + admitted.stream().mapToInt(r -> r.limit).max().orElseThrow();
    KvCache cache =
        startCache(batch, prompts, admitted.stream().mapToInt(r -> r.shared).toArray(), capacity);
    int from = cache.length();
    if (from > 0 && from == batch.length() - 1) return cache;
    List<Row> kept =
        advance(
            admitted,
            step(batch.columnsFrom(from), batch.length() - from, batch.padding(), cache, admitted),
            cache);
    admitted.retainAll(kept);
    return cache;
  }

  /**
   * Log-probs of each of {@code tokens} as the next token after each prompt, one forward pass per
   * prompt (batched; the first {@code sharedPrefix[i]} tokens of prompt i as in {@link
   * #generate(List, int[])}): [prompt][token].
   */
  public float[][] nextTokenLogProbs(List<int[]> prompts, int[] sharedPrefix, int[] tokens) {
    float[][] out = new float[prompts.size()][];
    for (int from = 0; from < prompts.size(); from += maxBatchSize) {
      int to = Math.min(prompts.size(), from + maxBatchSize);
      List<int[]> chunk = prompts.subList(from, to);
      int[] shared = new int[chunk.size()];
      for (int b = 0; b < shared.length; b++)
        shared[b] = usablePrefix(chunk.get(b), sharedPrefix[from + b]);
      LeftPaddedBatch batch = LeftPaddedBatch.of(chunk);
      long[] wanted = new long[chunk.size() * tokens.length];
      for (int i = 0; i < wanted.length; i++) wanted[i] = tokens[i % tokens.length];
      try (KvCache cache = startCache(batch, chunk, shared, batch.length());
          NDManager scope = model.manager().newSubManager()) {
        int start = cache.length();
        float[] logProbs =
            lastLogits(
                    scope, batch.columnsFrom(start), batch.length() - start, batch.padding(), cache)
                .logSoftmax(-1)
                .gather(scope.create(wanted, new Shape(chunk.size(), tokens.length)), -1)
                .toFloatArray();
        for (int b = 0; b < chunk.size(); b++)
          out[from + b] = Arrays.copyOfRange(logProbs, b * tokens.length, (b + 1) * tokens.length);
      }
    }
    return out;
  }

  /**
   * A cache for {@code batch} whose leading columns are copied from the prefix cache as far as
   * every row's shared prefix reaches (row b: its padding plus {@code shared[b]} columns); its
   * length is where the forward pass starts. Without a prefix cache, or with nothing to copy, an
   * empty cache.
   */
  private KvCache startCache(
      LeftPaddedBatch batch, List<int[]> prompts, int[] shared, int capacity) {
    int[] padding = batch.padding();
    int filled = batch.length();
    for (int b = 0; b < padding.length; b++) filled = Math.min(filled, padding[b] + shared[b]);
    // One lease per distinct prefix (row b's is distinct.get(slot[b])), held until the copies are
    // made; the missing ones are prefilled together.
    Map<List<Integer>, Integer> index = new HashMap<>();
    List<int[]> distinct = new ArrayList<>();
    int[] slot = new int[padding.length];
    for (int b = 0; prefixes != null && b < padding.length; b++) {
      if (filled <= padding[b]) continue;
      int[] prefix = Arrays.copyOf(prompts.get(b), shared[b]);
      slot[b] =
          index.computeIfAbsent(
              Arrays.stream(prefix).boxed().toList(),
              k -> {
                distinct.add(prefix);
                return distinct.size() - 1;
              });
    }
    if (distinct.isEmpty())
      return new KvCache(model.manager(), model.config(), padding.length, capacity);
    List<PrefixCache.Lease> leases = prefixes.acquire(distinct);
    try {
      KvCache[] sources = new KvCache[padding.length];
      for (int b = 0; b < padding.length; b++)
        if (filled > padding[b]) sources[b] = leases.get(slot[b]).cache();
      return KvCache.fork(model.manager(), model.config(), padding, filled, sources, capacity);
    } finally {
      leases.forEach(PrefixCache.Lease::close);
    }
  }

  /** How many leading tokens two prompts have in common (a prefix they can share). */
  public static int commonPrefix(int[] a, int[] b) {
    int n = Math.min(a.length, b.length), i = 0;
    while (i < n && a[i] == b[i]) i++;
    return i;
  }

  /**
   * How much of a shared prefix a prompt can take from the prefix cache: at most all but its last
   * token, whose logits the forward pass must make; none without a prefix cache.
   */
  private int usablePrefix(int[] prompt, int shared) {
    return prefixes == null ? 0 : Math.max(0, Math.min(shared, prompt.length - 1));
  }

  /** Accepts each row's picked token; returns the rows still going, whose cache rows are kept. */
  private static List<Row> advance(List<Row> rows, BatchSampler.Picked[] picked, KvCache cache) {
    List<Row> next = new ArrayList<>();
    int[] kept = new int[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      if (!rows.get(i).accept(picked[i])) {
        kept[next.size()] = i;
        next.add(rows.get(i));
      }
    }
    if (!next.isEmpty()) cache.keepRows(Arrays.copyOf(kept, next.size()));
    return next;
  }

  /** One request's progress. */
  private final class Row {
    final GenerationRequest request;
    final Random rng;
    final int limit;
    final int shared;
    final List<Integer> tokens = new ArrayList<>();
    final List<float[]> stats = new ArrayList<>(); // {logProb, temperature, entropy} per token
    Generation result;

    Row(GenerationRequest request, int sharedPrefix) {
      this.request = request;
      this.shared = usablePrefix(request.prompt(), sharedPrefix);
      this.rng = new Random(request.seed());
      int room = model.config().maxPositionEmbeddings() - request.prompt().length;
      if (room < 1) {
        throw new IllegalArgumentException(
            "prompt of "
                + request.prompt().length
                + " tokens leaves no room under max_position_embeddings "
                + model.config().maxPositionEmbeddings());
      }
      this.limit = Math.min(request.maxNewTokens(), room);
    }

    /** The token the next decode step feeds: the last generated one, or the prompt's last. */
    long nextInput() {
      int[] prompt = request.prompt();
      return tokens.isEmpty() ? prompt[prompt.length - 1] : tokens.get(tokens.size() - 1);
    }

    /** Tokens this row may still generate. */
    int remaining() {
      return limit - tokens.size();
    }

    /** Adds the chosen token and its log-prob; returns true when this row is done. */
    boolean accept(BatchSampler.Picked picked) {
      int token = picked.token();
      tokens.add(token);
      stats.add(
          new float[] {
            (float) picked.logProb(), (float) picked.temperature(), (float) picked.entropy()
          });
      if (request.eosTokenIds().contains(token))
        return finish(Generation.FinishReason.EOS, decode(tokens.size() - 1), null);
      if (!request.stopStrings().isEmpty()) {
        String text = decode(tokens.size());
        for (String stop : request.stopStrings()) {
          int at = text.indexOf(stop);
          if (at >= 0)
            return finish(Generation.FinishReason.STOP_STRING, text.substring(0, at), stop);
        }
      }
      if (tokens.size() >= limit)
        return finish(Generation.FinishReason.LENGTH, decode(tokens.size()), null);
      return false;
    }

    private String decode(int count) {
      return decoder.decode(
          tokens.subList(0, count).stream().mapToInt(Integer::intValue).toArray());
    }

    private boolean finish(Generation.FinishReason reason, String text, String stop) {
      int n = tokens.size();
      float[] logProbs = new float[n], temperatures = new float[n], entropies = new float[n];
      for (int i = 0; i < n; i++) {
        logProbs[i] = stats.get(i)[0];
        temperatures[i] = stats.get(i)[1];
        entropies[i] = stats.get(i)[2];
      }
      result =
          new Generation(
              tokens.stream().mapToInt(Integer::intValue).toArray(),
              text,
              logProbs,
              temperatures,
              entropies,
              reason,
              stop);
      return true;
    }
  }

  /**
   * Runs the new tokens through the model and picks each row's next token from its last position on
   * the engine ({@link BatchSampler}): only the chosen ids and their statistics reach the JVM.
   */
  private BatchSampler.Picked[] step(
      long[] ids, int time, int[] padding, KvCache cache, List<Row> rows) {
    try (NDManager scope = model.manager().newSubManager()) {
      return BatchSampler.pick(
          lastLogits(scope, ids, time, padding, cache),
          (row, entropy) -> rows.get(row).request.chooser().plan(entropy, rows.get(row).rng));
    }
  }

  /** Runs ids [batch, time] after the cached positions; the logits [batch, vocab] of the last. */
  private NDArray lastLogits(NDManager scope, long[] ids, int time, int[] padding, KvCache cache) {
    NDArray hidden =
        model.hidden(scope.create(ids, new Shape(padding.length, time)), padding, cache, hook);
    return model.logits(hidden.get(new NDIndex(":, -1, :")));
  }
}
