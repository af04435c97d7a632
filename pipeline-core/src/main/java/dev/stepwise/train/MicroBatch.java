package dev.stepwise.train;

/**
 * Which micro-batch of a training run a forward pass computes: optimizer step {@code step}
 * (0-based), micro-batch {@code index} within it, of the run seeded {@code seed}. The key of
 * everything random in the pass (LoRA dropout's masks), so reruns and resumed runs repeat it.
 */
public record MicroBatch(long seed, long step, int index) {}
