package dev.stepwise.importers;

import java.io.Serializable;

/**
 * Everything an importer needs to turn input records into prompts rows.
 *
 * @param source prompts.source of every row
 * @param split prompts.split of every row
 * @param lang language of rows whose mapping has no lang field
 * @param mapping input fields to columns
 * @param limits row checks
 * @param parallelByLine rows on the same line of different files are translations (MGSM)
 */
public record ImportSpec(String source, String split, String lang, FieldMapping mapping, ImportLimits limits,
    boolean parallelByLine) implements Serializable {}
