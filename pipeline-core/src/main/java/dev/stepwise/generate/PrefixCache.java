package dev.stepwise.generate;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.model.KvCache;
import dev.stepwise.model.LeftPaddedBatch;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.MlpHook;
import java.util.ArrayList;
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
   * Leases on the one-row caches of {@code prefixes} (distinct), in their order: entries, or made
   * from the entry sharing the most leading tokens with each plus one batched prefill of the rest
   * of all of them (outside the lock, their bases leased meanwhile).
   */
  List<Lease> acquire(List<int[]> prefixes) {
    Lease[] out = new Lease[prefixes.size()];
    List<Integer> missing = new ArrayList<>();
    Lease[] bases = new Lease[prefixes.size()];
    int[] shared = new int[prefixes.size()];
    synchronized (this) {
      if (closed) throw new IllegalStateException("prefix cache closed");
      for (int i = 0; i < prefixes.size(); i++) {
        int[] tokens = prefixes.get(i);
        Entry hit = entries.get(key(tokens));
        if (hit != null) {
          reused += tokens.length;
          out[i] = lease(hit);
          continue;
        }
        missing.add(i);
        Entry best = null;
        for (Entry e : entries.values()) {
          // The prefill needs at least one token.
          int common = Math.min(Generator.commonPrefix(e.tokens, tokens), tokens.length - 1);
          if (common > shared[i]) {
            shared[i] = common;
            best = e;
          }
        }
        if (best != null) bases[i] = lease(best);
      }
    }
    if (missing.isEmpty()) return List.of(out);
    List<KvCache> made;
    int[] copied = new int[missing.size()];
    try {
      made = prefill(missing.stream().map(prefixes::get).toList(), missing, shared, bases, copied);
    } finally {
      for (Lease b : bases) if (b != null) b.close();
    }
    synchronized (this) {
      for (int j = 0; j < missing.size(); j++) {
        int i = missing.get(j);
        int[] tokens = prefixes.get(i);
        computed += tokens.length - copied[j];
        reused += copied[j];
        Entry other = entries.get(key(tokens));
        if (other != null || closed) { // another thread made it meanwhile, or the cache closed
          made.get(j).close();
          if (!closed) out[i] = lease(other);
          continue;
        }
        Entry entry = new Entry(tokens.clone(), made.get(j));
        entries.put(key(tokens), entry);
        bytes += entry.bytes;
        out[i] = lease(entry);
      }
      if (closed) {
        for (Lease l : out) if (l != null) l.close();
        throw new IllegalStateException("prefix cache closed");
      }
      evict(maxBytes);
    }
    return List.of(out);
  }

  /**
   * One forward pass over {@code rows} (left-padded together), each row's first {@code
   * shared[missing[b]]} tokens copied from its base as far as every row's copy reaches ({@code
   * copied[b]} tokens); one cache per row, without padding.
   */
  private List<KvCache> prefill(
      List<int[]> rows, List<Integer> missing, int[] shared, Lease[] bases, int[] copied) {
    LeftPaddedBatch batch = LeftPaddedBatch.of(rows);
    int[] padding = batch.padding();
    int filled = batch.length() - 1;
    KvCache[] sources = new KvCache[rows.size()];
    for (int b = 0; b < rows.size(); b++) {
      int i = missing.get(b);
      filled = Math.min(filled, padding[b] + shared[i]);
      if (bases[i] != null) sources[b] = bases[i].cache();
    }
    boolean copies = false;
    for (int b = 0; b < rows.size(); b++) copies |= sources[b] != null && filled > padding[b];
    try (KvCache cache =
            copies
                ? KvCache.fork(
                    model.manager(), model.config(), padding, filled, sources, batch.length())
                : new KvCache(model.manager(), model.config(), rows.size(), batch.length());
        NDManager scope = model.manager().newSubManager()) {
      int from = cache.length();
      for (int b = 0; b < rows.size(); b++)
        copied[b] = sources[b] == null ? 0 : Math.max(0, from - padding[b]);
      model.hidden(
          scope.create(batch.columnsFrom(from), new Shape(rows.size(), batch.length() - from)),
          padding,
          cache,
          hook);
      List<KvCache> out = new ArrayList<>();
      for (int b = 0; b < rows.size(); b++) out.add(cache.row(model.manager(), model.config(), b));
      return out;
    }
  }

  private static List<Integer> key(int[] tokens) {
    return Arrays.stream(tokens).boxed().toList();
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
