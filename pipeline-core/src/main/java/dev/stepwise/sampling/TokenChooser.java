package dev.stepwise.sampling;

import java.util.Random;

/**
 * Picks the next token from a position's logits. Deterministic given the Random, which the caller
 * seeds per request from (run seed, round, item id). A chooser may keep per-request state
 * (instance-level EDT), so take a fresh one per request from {@link SamplingStrategy#newRequest()}.
 */
public interface TokenChooser {
    /**
     * @param entropy entropy in nats of softmax(logits) at temperature 1; the generator computes it
     *                for the whole batch at once, which is much cheaper than row by row in Java
     */
    Choice choose(float[] logits, double entropy, Random rng);

    /** As above, computing the entropy here. */
    default Choice choose(float[] logits, Random rng) {
        return choose(logits, Logits.entropy(logits), rng);
    }

    /**
     * @param temperature the temperature the token was drawn at (0 = greedy)
     * @param entropy     entropy in nats of softmax(logits) at temperature 1, before any filtering
     */
    record Choice(int token, double temperature, double entropy) {}
}
