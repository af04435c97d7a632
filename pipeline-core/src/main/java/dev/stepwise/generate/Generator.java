package dev.stepwise.generate;

import dev.stepwise.sampling.BatchSampler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.model.KvCache;
import dev.stepwise.model.LeftPaddedBatch;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.MlpHook;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Batched decoding with a KV cache. Prompts of different lengths are left-padded into one batch;
 * each request draws from its own Random, so it yields the same tokens alone or in any batch.
 * Finished rows leave the batch (and the cache), so the work shrinks as requests end.
 */
public final class Generator {

  private final LlamaModel model;
  private final TokenDecoder decoder;
  private final MlpHook hook;
  private final int maxBatchSize;

  /**
   * @param hook         null, or e.g. zeroed language neurons for deactivation experiments
   * @param maxBatchSize requests per forward; more are generated in consecutive batches
   */
  public Generator(LlamaModel model, TokenDecoder decoder, MlpHook hook, int maxBatchSize) {
    if (maxBatchSize < 1) throw new IllegalArgumentException("maxBatchSize must be >= 1, got " + maxBatchSize);
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
    List<Generation> out = new ArrayList<>();
    for (int from = 0; from < requests.size(); from += maxBatchSize) {
      out.addAll(generateBatch(requests.subList(from, Math.min(requests.size(), from + maxBatchSize))));
    }
    return out;
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
        throw new IllegalArgumentException("prompt of " + request.prompt().length + " tokens leaves no room under max_position_embeddings "
            + model.config().maxPositionEmbeddings());
      }
      this.limit = Math.min(request.maxNewTokens(), room);
    }

    /** Adds the chosen token and its log-prob; returns true when this row is done. */
    boolean accept(BatchSampler.Picked picked) {
      int token = picked.token();
      tokens.add(token);
      stats.add(new float[] {(float) picked.logProb(), (float) picked.temperature(), (float) picked.entropy()});
      if (request.eosTokenIds().contains(token)) return finish(Generation.FinishReason.EOS, decode(tokens.size() - 1), null);
      if (!request.stopStrings().isEmpty()) {
        String text = decode(tokens.size());
        for (String stop : request.stopStrings()) {
          int at = text.indexOf(stop);
          if (at >= 0) return finish(Generation.FinishReason.STOP_STRING, text.substring(0, at), stop);
        }
      }
      if (tokens.size() >= limit) return finish(Generation.FinishReason.LENGTH, decode(tokens.size()), null);
      return false;
    }

    private String decode(int count) {
      return decoder.decode(tokens.subList(0, count).stream().mapToInt(Integer::intValue).toArray());
    }

    private boolean finish(Generation.FinishReason reason, String text, String stop) {
      int n = tokens.size();
      float[] logProbs = new float[n], temperatures = new float[n], entropies = new float[n];
      for (int i = 0; i < n; i++) {
        logProbs[i] = stats.get(i)[0];
        temperatures[i] = stats.get(i)[1];
        entropies[i] = stats.get(i)[2];
      }
      result = new Generation(tokens.stream().mapToInt(Integer::intValue).toArray(), text, logProbs, temperatures, entropies, reason, stop);
      return true;
    }
  }

  private List<Generation> generateBatch(List<GenerationRequest> requests) {
    List<Row> rows = requests.stream().map(Row::new).toList();
    LeftPaddedBatch prompts = LeftPaddedBatch.of(requests.stream().map(GenerationRequest::prompt).toList());
    int capacity = prompts.length() + rows.stream().mapToInt(r -> r.limit).max().orElseThrow();
    List<Row> active = new ArrayList<>(rows);
    try (KvCache cache = new KvCache(model.manager(), model.config(), rows.size(), capacity)) {
      long[] ids = prompts.ids();
      int time = prompts.length();
      while (true) {
        BatchSampler.Picked[] picked = step(ids, time, cache.length() == 0 ? prompts.padding() : cache.padding(), cache, active);
        List<Row> next = new ArrayList<>();
        int[] kept = new int[active.size()];
        for (int i = 0; i < active.size(); i++) {
          Row row = active.get(i);
          if (!row.accept(picked[i])) {
            kept[next.size()] = i;
            next.add(row);
          }
        }
        if (next.isEmpty()) break;
        cache.keepRows(Arrays.copyOf(kept, next.size()));
        active = next;
        ids = active.stream().mapToLong(r -> r.tokens.get(r.tokens.size() - 1)).toArray();
        time = 1;
      }
    }
    return rows.stream().map(r -> r.result).toList();
  }

  /**
   * Runs the new tokens through the model and picks each row's next token from its last position
   * on the engine ({@link BatchSampler}): only the chosen ids and their statistics reach the JVM.
   */
  private BatchSampler.Picked[] step(long[] ids, int time, int[] padding, KvCache cache, List<Row> rows) {
    try (NDManager scope = model.manager().newSubManager()) {
      int batch = padding.length;
      NDArray hidden = model.hidden(scope.create(ids, new Shape(batch, time)), padding, cache, hook);
      NDArray logits = model.logits(hidden.get(new NDIndex(":, -1, :")));
      return BatchSampler.pick(logits, (row, entropy) -> rows.get(row).request.chooser().plan(entropy, rows.get(row).rng));
    }
  }
}
