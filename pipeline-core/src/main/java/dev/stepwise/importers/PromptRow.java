package dev.stepwise.importers;

import java.io.Serializable;
import java.util.Map;

/** One imported problem, the prompts dataset's row (data-schemas/prompts.avsc). */
public record PromptRow(
    String id,
    String source,
    String split,
    String lang,
    String question,
    String gold,
    String solution,
    String parallelId,
    Map<String, String> original)
    implements Serializable {}
