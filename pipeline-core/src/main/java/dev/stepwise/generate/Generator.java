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
import java.util.List;
import java.util.Random;

/**
 * Batched decoding with a KV cache and continuous batching: up to {@code maxBatchSize} requests
 * decode together; when one finishes it leaves the batch (and the cache) and the next waiting
 * requests are prefilled and join it, so long, uneven generations keep the batch full. Prompts of
 * different lengths are left-padded; each request draws from its own Random, so it yields the same
 * tokens alone or in any batch, whenever it joins.
 */
public final class Generator {

  private final LlamaModel model;
  private final TokenDecoder decoder;
  private final MlpHook hook;
  private final int maxBatchSize;

  /**
   * @param hook null, or e.g. zeroed language neurons for deactivation experiments
   * @param maxBatchSize requests per forward; more are generated in consecutive batches
   */
  public Generator(LlamaModel model, TokenDecoder decoder, MlpHook hook, int maxBatchSize) {
    if (maxBatchSize < 1)
      throw new IllegalArgumentException("maxBatchSize must be >= 1, got " + maxBatchSize);
    this.model = model;
    this.decoder = decoder;
    this.hook = hook;
    this.maxBatchSize = maxBatchSize;
  }

  public Generator(LlamaModel model, TokenDecoder decoder) {
    this(model, decoder, null, 16);
  }

  /** Results in request order. */
  public List<Generation> generate(List<GenerationRequest> requests) {
    List<Row> rows = requests.stream().map(Row::new).toList();
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
          long[] ids = active.stream().mapToLong(r -> r.tokens.get(r.tokens.size() - 1)).toArray();
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
   * first tokens; rows that are already done are removed from the list and from the cache.
   */
  private KvCache prefill(List<Row> admitted) {
    LeftPaddedBatch prompts =
        LeftPaddedBatch.of(admitted.stream().map(r -> r.request.prompt()).toList());
    int capacity = prompts.length() + admitted.stream().mapToInt(r -> r.limit).max().orElseThrow();
    KvCache cache = new KvCache(model.manager(), model.config(), admitted.size(), capacity);
    List<Row> kept =
        advance(
            admitted,
            step(prompts.ids(), prompts.length(), prompts.padding(), cache, admitted),
            cache);
    admitted.retainAll(kept);
    return cache;
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
    final List<Integer> tokens = new ArrayList<>();
    final List<float[]> stats = new ArrayList<>(); // {logProb, temperature, entropy} per token
    Generation result;

    Row(GenerationRequest request) {
      this.request = request;
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
      int batch = padding.length;
      NDArray hidden =
          model.hidden(scope.create(ids, new Shape(batch, time)), padding, cache, hook);
      NDArray logits = model.logits(hidden.get(new NDIndex(":, -1, :")));
      return BatchSampler.pick(
          logits,
          (row, entropy) -> rows.get(row).request.chooser().plan(entropy, rows.get(row).rng));
    }
  }
}
