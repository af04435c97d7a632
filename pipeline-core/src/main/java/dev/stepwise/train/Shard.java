package dev.stepwise.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Worker {@code worker} of {@code workers} in data-parallel training: it trains on rows i with i
 * mod workers == worker, and every worker runs the same number of updates, because they meet at
 * each weight-averaging barrier.
 */
public record Shard(int worker, int workers) implements Serializable {
  /** One process training on everything. */
  public static final Shard ALL = new Shard(0, 1);

  public Shard {
    if (workers < 1 || worker < 0 || worker >= workers)
      throw new IllegalArgumentException("worker " + worker + " of " + workers);
  }

  public <E> List<E> of(List<E> all) {
    if (workers == 1) return all;
    List<E> shard = new ArrayList<>();
    for (int i = worker; i < all.size(); i += workers) shard.add(all.get(i));
    return shard;
  }

  /**
   * The settings with the update count fixed from the whole data set's size, split over workers.
   */
  public TrainSettings settings(TrainSettings s, int allExamples) {
    if (workers == 1) return s;
    return s.withSteps(s.totalSteps(Math.max(1, allExamples / workers)));
  }
}
