package dev.stepwise.multilingual;

/**
 * One question in one language; questions with the same {@code parallelId} are translations of each
 * other (an imported prompts row: MGSM line i of every language file, or item i of the synthetic
 * task generator).
 *
 * @param id the row's own id (prompts.id)
 * @param parallelId shared by all translations of the question (prompts.parallel_id)
 * @param lang MGSM language code of {@code question}
 * @param question the question text, never an answer
 */
public record ParallelQuestion(String id, String parallelId, String lang, String question) {
  public ParallelQuestion {
    if (id == null || id.isBlank())
      throw new IllegalArgumentException("a parallel question needs an id");
    if (parallelId == null || parallelId.isBlank())
      throw new IllegalArgumentException("question " + id + " has no parallel_id");
    if (question == null || question.isBlank())
      throw new IllegalArgumentException("question " + id + " is empty");
  }
}
