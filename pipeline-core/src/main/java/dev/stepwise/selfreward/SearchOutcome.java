package dev.stepwise.selfreward;

import java.util.List;

/** The result of one prompt's search: the solution, its preference pairs and the full trace. */
public record SearchOutcome(
    SearchPrompt prompt, List<String> steps, boolean finished, List<StepPair> pairs, List<StepRound> rounds, int rollbacks) {}
