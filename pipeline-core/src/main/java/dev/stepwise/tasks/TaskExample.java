package dev.stepwise.tasks;

import java.io.Serializable;

/**
 * One training or evaluation example, flat so a Spark job or a local trainer reads it directly.
 *
 * @param id unique: kind-split-item-lang
 * @param kind "ift" (reasoning: prompt -> step-formatted solution) or "eft" (judge: prompt -> check
 *     + verdict)
 * @param split train, eval or eft_test
 * @param lang MGSM language code of the question
 * @param parallelId the same problem (same numbers) has the same id in every language
 * @param prompt the user turn, before any chat template
 * @param completion the assistant turn the model is trained to write
 * @param gold ift: the final answer; eft: the better candidate, "A" or "B"
 */
public record TaskExample(
    String id,
    String kind,
    String split,
    String lang,
    long parallelId,
    String prompt,
    String completion,
    String gold)
    implements Serializable {}
