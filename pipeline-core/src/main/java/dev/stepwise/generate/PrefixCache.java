package dev.stepwise.generate;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.model.KvCache;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.MlpHook;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The KV caches of recently used prompt prefixes (one row each), so a prefix shared by many
 * requests is prefilled once and forked ({@link KvCache#fork}), and a prefix that extends a cached
 * one (the next step of a search: question + one more accepted step) computes only its new tokens.
 * Least recently used entries are closed beyond {@code maxEntries}, but only at {@link #trim}: an
 * entry handed out stays open until the caller is done copying from it.
 */
final class PrefixCache implements AutoCloseable {

  private final LlamaModel model;
  private final MlpHook hook;
  private final int maxEntries;
  private final Map<List<Integer>, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long computed;
  private long reused;

  private record Entry(int[] tokens, KvCache cache) {}

  PrefixCache(LlamaModel model, MlpHook hook, int maxEntries) {
    if (maxEntries < 1)
      throw new IllegalArgumentException("a prefix cache needs >= 1 entry, got " + maxEntries);
    this.model = model;
    this.hook = hook;
    this.maxEntries = maxEntries;
  }

  /**
   * The one-row cache of {@code tokens}, from an entry or made from the entry sharing the most
   * leading tokens with it plus a prefill of the rest.
   */
  KvCache get(int[] tokens) {
    List<Integer> key = Arrays.stream(tokens).boxed().toList();
    Entry hit = entries.get(key);
    if (hit != null) {
      reused += tokens.length;
      return hit.cache();
    }
    int shared = 0;
    KvCache base = null;
    for (Entry e : entries.values()) {
      // The prefill needs at least one token.
      int common = Math.min(Generator.commonPrefix(e.tokens(), tokens), tokens.length - 1);
      if (common > shared) {
        shared = common;
        base = e.cache();
      }
    }
    KvCache cache =
        shared > 0
            ? KvCache.fork(
                model.manager(),
                model.config(),
                new int[1],
                shared,
                new KvCache[] {base},
                tokens.length)
            : new KvCache(model.manager(), model.config(), 1, tokens.length);
    long[] rest = new long[tokens.length - shared];
    for (int t = shared; t < tokens.length; t++) rest[t - shared] = tokens[t];
    try (NDManager scope = model.manager().newSubManager()) {
      model.hidden(scope.create(rest, new Shape(1, rest.length)), new int[1], cache, hook);
    }
    computed += rest.length;
    reused += shared;
    entries.put(key, new Entry(tokens.clone(), cache));
    return cache;
  }

  /** Closes the least recently used entries beyond the limit. */
  void trim() {
    Iterator<Entry> oldest = entries.values().iterator();
    for (int n = entries.size(); n > maxEntries; n--) {
      oldest.next().cache().close();
      oldest.remove();
    }
  }

  /** Prefix tokens prefilled so far. */
  long computedTokens() {
    return computed;
  }

  /** Prefix tokens taken from cached entries instead. */
  long reusedTokens() {
    return reused;
  }

  @Override
  public void close() {
    entries.values().forEach(e -> e.cache().close());
    entries.clear();
  }
}
