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
 * @param solutions how the mapped solution field becomes prompts.solution
 */
public record ImportSpec(
    String source,
    String split,
    String lang,
    FieldMapping mapping,
    ImportLimits limits,
    boolean parallelByLine,
    Solutions solutions)
    implements Serializable {

  /** What a solution field holds. */
  public enum Solutions {
    /** GSM8K's worked solution, converted to the step format (Gsm8kSolution). */
    GSM8K,
    /**
     * A solution already in the step format, taken as it is; a row whose solution is not is
     * rejected.
     */
    STEPS
  }
}
