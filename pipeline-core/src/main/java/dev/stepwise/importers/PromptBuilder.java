package dev.stepwise.importers;

import dev.stepwise.text.StepFormat;
import java.util.Map;

/** Turns one input record (its fields as strings) into a prompts row, or says why it cannot. */
public final class PromptBuilder {
  private final ImportSpec spec;

  public PromptBuilder(ImportSpec spec) {
    this.spec = spec;
  }

  /**
   * @throws IllegalArgumentException with the reason, naming the field, when the record is unusable
   */
  public PromptRow build(Map<String, String> fields, long line) {
    FieldMapping m = spec.mapping();
    String question = fields.get(m.question());
    if (question == null)
      throw new IllegalArgumentException("field '" + m.question() + "' (question) is missing");
    if (question.isBlank())
      throw new IllegalArgumentException("field '" + m.question() + "' (question) is empty");
    requireWithinLimit(m.question(), question);
    String solution = m.solution() == null ? null : fields.get(m.solution());
    if (solution != null) {
      requireWithinLimit(m.solution(), solution);
      solution = stepFormatted(m.solution(), solution);
    }
    String gold = gold(fields);
    String lang =
        m.lang() != null && fields.get(m.lang()) != null ? fields.get(m.lang()) : spec.lang();
    String key =
        m.id() != null && fields.get(m.id()) != null ? fields.get(m.id()) : Long.toString(line);
    String id =
        spec.source() + "/" + spec.split() + "/" + (spec.parallelByLine() ? lang + "/" : "") + key;
    String parallelId =
        spec.parallelByLine()
            ? spec.source() + "/" + spec.split() + "/" + line
            : m.parallelId() != null && fields.get(m.parallelId()) != null
                ? fields.get(m.parallelId())
                : id;
    return new PromptRow(
        id,
        spec.source(),
        spec.split(),
        lang,
        question,
        gold,
        solution,
        parallelId,
        Map.copyOf(fields));
  }

  /** The solution in the step format: GSM8K's converted, any other checked. */
  private String stepFormatted(String field, String solution) {
    if (spec.solutions() == ImportSpec.Solutions.GSM8K) {
      try {
        return Gsm8kSolution.toSteps(solution);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("field '" + field + "' (solution): " + e.getMessage());
      }
    }
    StepFormat.problem(solution)
        .ifPresent(
            why -> {
              throw new IllegalArgumentException(
                  "field '"
                      + field
                      + "' (solution) is not in the step format ("
                      + why
                      + "); write it as lines \"Step 1: ...\", \"Step 2: ...\" ending in \\boxed{answer}, or map no solution");
            });
    return solution;
  }

  private String gold(Map<String, String> fields) {
    String field = spec.mapping().gold();
    String raw = field == null ? null : fields.get(field);
    if (raw == null || raw.isBlank()) {
      if (spec.limits().requireGold()) {
        throw new IllegalArgumentException(
            field == null
                ? "no gold field is mapped but gold is required"
                : "field '" + field + "' (gold) is missing or empty");
      }
      return null;
    }
    try {
      return GoldAnswer.normalize(raw);
    } catch (IllegalArgumentException e) {
      if (spec.limits().requireGold())
        throw new IllegalArgumentException("field '" + field + "': " + e.getMessage());
      return null;
    }
  }

  private void requireWithinLimit(String field, String text) {
    if (text.length() > spec.limits().maxChars()) {
      throw new IllegalArgumentException(
          "field '"
              + field
              + "' is "
              + text.length()
              + " chars, over the limit of "
              + spec.limits().maxChars()
              + " (stepwise.import.max_chars)");
    }
  }
}
