package dev.stepwise.importers;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which input field feeds which prompts column. Only {@code question} is required; a null field
 * means the input has no such column.
 *
 * @param question field holding the problem text
 * @param gold field holding the gold answer (a number, or a GSM8K-style solution ending in "####
 *     n")
 * @param solution field holding a worked reference solution
 * @param id field holding the input's own row id (else the line number identifies the row)
 * @param lang field holding the row's language (else the import's --lang)
 * @param parallelId field linking translations of one problem (else each row is its own group)
 */
public record FieldMapping(
    String question, String gold, String solution, String id, String lang, String parallelId)
    implements Serializable {

  public static final FieldMapping GSM8K =
      new FieldMapping("question", "answer", "answer", null, null, null);
  public static final FieldMapping MGSM =
      new FieldMapping("question", "answer", null, null, null, null);

  public FieldMapping {
    if (question == null || question.isBlank())
      throw new IllegalArgumentException("the question field must be mapped");
  }

  /**
   * Builds a mapping from "column=field" pairs, e.g. {@code question=problem gold=final_answer}.
   */
  public static FieldMapping parse(Map<String, String> pairs) {
    Map<String, String> m = new LinkedHashMap<>(pairs);
    FieldMapping mapping =
        new FieldMapping(
            m.remove("question"),
            m.remove("gold"),
            m.remove("solution"),
            m.remove("id"),
            m.remove("lang"),
            m.remove("parallel_id"));
    if (!m.isEmpty()) {
      throw new IllegalArgumentException(
          "cannot map "
              + m.keySet()
              + "; mappable columns are question, gold, solution, id, lang, parallel_id");
    }
    return mapping;
  }
}
