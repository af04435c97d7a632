package dev.stepwise.selfreward;

/** One sampled candidate next step; {@code isFinal} when it carries the boxed answer. */
public record Candidate(String text, int tokens, boolean isFinal) {}
