package dev.stepwise.selfreward;

import java.util.List;

/**
 * A step-level preference: best vs worst candidate for step {@code stepIndex} after {@code
 * previousSteps}.
 */
public record StepPair(
    int stepIndex,
    List<String> previousSteps,
    Candidate chosen,
    Candidate rejected,
    int chosenWins,
    int rejectedWins) {}
