package dev.stepwise.multilingual;

import dev.stepwise.text.ChatFormat;
import dev.stepwise.train.SftExample;

/**
 * A question-translation (QT) tuning example (docs/methods.md §D): the question in language X, then
 * the instruction, and as target the same question in the pivot language. No answer anywhere.
 * Fields map onto the translation_pairs dataset: id = src_prompt_id, targetId = tgt_prompt_id,
 * prompt = input.
 *
 * @param id id of the source-language question
 * @param targetId id of the pivot-language question
 * @param parallelId shared by both questions
 * @param sourceLang X
 * @param targetLang the pivot (en by default)
 * @param source the X question
 * @param instruction "Translate the input from &lt;X&gt; to &lt;pivot&gt;:"
 * @param prompt the user turn: source, newline, instruction (the instruction comes after the text)
 * @param target the pivot-language question, what the model learns to write
 */
public record TranslationPair(
    String id,
    String targetId,
    String parallelId,
    String sourceLang,
    String targetLang,
    String source,
    String instruction,
    String prompt,
    String target) {

  /** Prompt = the chat template around the user turn; completion = the target question + EOS. */
  public SftExample toSftExample(ChatFormat chat) {
    return sftExample(chat, prompt, target);
  }

  /** The same from a translation_pairs row's {@code input} and {@code target} columns. */
  public static SftExample sftExample(ChatFormat chat, String input, String target) {
    return new SftExample(chat.prompt(input), chat.completion(target));
  }
}
