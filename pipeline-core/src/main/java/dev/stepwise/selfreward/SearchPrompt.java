package dev.stepwise.selfreward;

/**
 * One problem to search on. {@code seed} is derived from (run seed, round, prompt id) by the
 * caller, so the search of a prompt is the same in any partition or retry.
 */
public record SearchPrompt(String id, String lang, String question, String gold, long seed) {}
