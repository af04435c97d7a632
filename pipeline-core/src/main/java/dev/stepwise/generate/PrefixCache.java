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
 * The KV caches of recently used prompt prefixes (one row each) on one model, so a prefix shared by
 * many requests is prefilled once and forked ({@link KvCache#fork}), and a prefix that extends a
 * cached one (the next step of a search: question + one more accepted step) computes only its new
 * tokens. One cache serves every {@link Generator} given it, from any thread: an executor keeps one
 * per loaded model, so consecutive and concurrent tasks reuse each other's prefixes. Bounded by
 * bytes: the least recently used entries are evicted beyond {@code maxBytes}.
 *
 * <p>Entries in use are reference counted ({@link Lease}) rather than copied under the lock: a fork
 * copies from several entries for a whole batch, and holding the lock for it (or for a prefill)
 * would serialize the executor's tasks on the engine. An entry evicted while leased leaves the map
 * at once, so the bound holds for what later requests find, and is closed when its last lease ends;
 * no copy ever reads a closed entry. Its arrays live under the model's NDManager, so they are freed
 * with the model.
 */
public final class PrefixCache implements AutoCloseable {

  private final LlamaModel model;
  private final MlpHook hook;
  private final long maxBytes;
  private final Map<List<Integer>, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;
  private long computed;
  private long reused;
  private boolean closed;

  /** A cached prefix; {@code leases} and {@code evicted} are guarded by the cache's lock. */
  private static final class Entry {
    final int[] tokens;
    final KvCache cache;
    final long bytes;
    int leases;
    boolean evicted;

    Entry(int[] tokens, KvCache cache) {
      this.tokens = tokens;
      this.cache = cache;
      this.bytes = cache.bytes();
    }
  }

  /** Use of an entry: its cache stays open until every lease on it is closed. */
  final class Lease implements AutoCloseable {
    private final Entry entry;
    private boolean released;

    private Lease(Entry entry) {
      this.entry = entry;
    }

    KvCache cache() {
      return entry.cache;
    }

    @Override
    public void close() {
      synchronized (PrefixCache.this) {
        if (released) return;
        released = true;
        if (--entry.leases == 0 && entry.evicted) entry.cache.close();
      }
    }
  }

  /**
   * @param hook the hook the generators that use it run with (null for none): cached keys depend on
   *     it
   * @param maxBytes the most the entries not in use may hold
   */
  public PrefixCache(LlamaModel model, MlpHook hook, long maxBytes) {
    if (maxBytes < 1)
      throw new IllegalArgumentException("a prefix cache needs >= 1 byte, got " + maxBytes);
    this.model = model;
    this.hook = hook;
    this.maxBytes = maxBytes;
  }

  LlamaModel model() {
    return model;
  }

  MlpHook hook() {
    return hook;
  }

  /**
   * A lease on the one-row cache of {@code tokens}: an entry, or one made from the entry sharing
   * the most leading tokens with it plus a prefill of the rest (outside the lock, the base leased
   * meanwhile).
   */
  Lease acquire(int[] tokens) {
    List<Integer> key = Arrays.stream(tokens).boxed().toList();
    int shared = 0;
    Lease base = null;
    synchronized (this) {
      if (closed) throw new IllegalStateException("prefix cache closed");
      Entry hit = entries.get(key);
      if (hit != null) {
        reused += tokens.length;
        return lease(hit);
      }
      Entry best = null;
      for (Entry e : entries.values()) {
        // The prefill needs at least one token.
        int common = Math.min(Generator.commonPrefix(e.tokens, tokens), tokens.length - 1);
        if (common > shared) {
          shared = common;
          best = e;
        }
      }
      if (best != null) base = lease(best);
    }
    KvCache cache;
    try (Lease b = base) {
      cache =
          b != null
              ? KvCache.fork(
                  model.manager(),
                  model.config(),
                  new int[1],
                  shared,
                  new KvCache[] {b.cache()},
                  tokens.length)
              : new KvCache(model.manager(), model.config(), 1, tokens.length);
    }
    long[] rest = new long[tokens.length - shared];
    for (int t = shared; t < tokens.length; t++) rest[t - shared] = tokens[t];
    try (NDManager scope = model.manager().newSubManager()) {
      model.hidden(scope.create(rest, new Shape(1, rest.length)), new int[1], cache, hook);
    }
    synchronized (this) {
      computed += rest.length;
      reused += shared;
      Entry other = entries.get(key);
      if (other != null || closed) cache.close(); // another thread made it meanwhile
      if (closed) throw new IllegalStateException("prefix cache closed");
      if (other != null) return lease(other);
      Entry made = new Entry(tokens.clone(), cache);
      entries.put(key, made);
      bytes += made.bytes;
      Lease lease = lease(made);
      evict(maxBytes);
      return lease;
    }
  }

  private Lease lease(Entry e) {
    e.leases++;
    return new Lease(e);
  }

  /** Evicts the least recently used entries while the entries hold more than {@code bound}. */
  private void evict(long bound) {
    Iterator<Entry> oldest = entries.values().iterator();
    while (bytes > bound && oldest.hasNext()) {
      Entry e = oldest.next();
      oldest.remove();
      bytes -= e.bytes;
      e.evicted = true;
      if (e.leases == 0) e.cache.close();
    }
  }

  /** Prefix tokens prefilled so far. */
  public synchronized long computedTokens() {
    return computed;
  }

  /** Prefix tokens taken from cached entries instead. */
  public synchronized long reusedTokens() {
    return reused;
  }

  /** Bytes the cached entries hold. */
  public synchronized long bytes() {
    return bytes;
  }

  /** Closes every entry not in use now; those in use close when their last lease does. */
  @Override
  public synchronized void close() {
    closed = true;
    evict(-1);
  }
}
