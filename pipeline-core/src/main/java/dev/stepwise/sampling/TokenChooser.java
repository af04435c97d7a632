package dev.stepwise.sampling;

import java.util.Random;

/**
 * Picks the next token from a position's logits. Same shape as
 * {@code dev.stepwise.generate.TokenChooser}: deterministic given the Random, which the caller
 * seeds per request from (run seed, round, item id). A chooser may keep per-request state
 * (instance-level EDT), so take a fresh one per request from {@link SamplingStrategy#newRequest()}.
 */
public interface TokenChooser {
    Choice choose(float[] logits, Random rng);

    /**
     * @param temperature the temperature the token was drawn at (0 = greedy)
     * @param entropy     entropy in nats of softmax(logits) at temperature 1, before any filtering
     */
    record Choice(int token, double temperature, double entropy) {}
}
