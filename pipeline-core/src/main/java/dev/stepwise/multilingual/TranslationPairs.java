package dev.stepwise.multilingual;

import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskGenerator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds X→pivot question-translation pairs from parallel questions (docs/methods.md §D): for every
 * question in a selected source language whose parallel id also has a pivot-language question, one
 * pair. A source question without a pivot translation is returned as unpaired, never dropped
 * silently.
 */
public final class TranslationPairs {
  private TranslationPairs() {}

  /** A source question that found no pivot-language question with its parallel id. */
  public record Unpaired(String id, String reason) {}

  public record Built(List<TranslationPair> pairs, List<Unpaired> unpaired) {}

  /** The instruction line that follows the source text. */
  public static String instruction(Language source, Language pivot) {
    return "Translate the input from " + source.englishName() + " to " + pivot.englishName() + ":";
  }

  /**
   * @param questions any mix of languages; a (parallel id, language) pair may occur only once
   * @param sources languages X to translate from (the pivot itself is not allowed)
   * @param pivot the target language, English in the paper
   */
  public static Built build(
      List<ParallelQuestion> questions, List<Language> sources, Language pivot) {
    if (sources.isEmpty())
      throw new IllegalArgumentException(
          "align.languages is empty: name at least one source language, e.g. [zh, de]");
    if (sources.contains(pivot)) {
      throw new IllegalArgumentException(
          "align.languages contains the pivot language "
              + pivot.code()
              + "; a question is never translated into its own language, remove it");
    }
    Map<String, ParallelQuestion> pivotByParallelId = new LinkedHashMap<>();
    Map<String, String> seen = new LinkedHashMap<>();
    for (ParallelQuestion q : questions) {
      String previous = seen.put(q.parallelId() + "\u0000" + q.lang(), q.id());
      if (previous != null) {
        throw new IllegalArgumentException(
            "questions "
                + previous
                + " and "
                + q.id()
                + " both have parallel_id "
                + q.parallelId()
                + " and language "
                + q.lang()
                + "; each problem needs one question per language");
      }
      if (q.lang().equals(pivot.code())) pivotByParallelId.put(q.parallelId(), q);
    }
    List<TranslationPair> pairs = new ArrayList<>();
    List<Unpaired> unpaired = new ArrayList<>();
    for (ParallelQuestion q : questions) {
      Language lang = Language.of(q.lang());
      if (!sources.contains(lang)) continue;
      ParallelQuestion target = pivotByParallelId.get(q.parallelId());
      if (target == null) {
        unpaired.add(
            new Unpaired(
                q.id(), "no " + pivot.code() + " question with parallel_id " + q.parallelId()));
        continue;
      }
      String instruction = instruction(lang, pivot);
      pairs.add(
          new TranslationPair(
              q.id(),
              target.id(),
              q.parallelId(),
              lang.code(),
              pivot.code(),
              q.question(),
              instruction,
              q.question() + "\n" + instruction,
              target.question()));
    }
    return new Built(pairs, unpaired);
  }

  /**
   * The synthetic generator's items firstId..firstId+count-1 of a split, in every given language.
   */
  public static List<ParallelQuestion> synthetic(
      TaskGenerator generator, Split split, long firstId, int count, List<Language> languages) {
    List<ParallelQuestion> out = new ArrayList<>();
    for (long item = firstId; item < firstId + count; item++) {
      String parallelId = Long.toString(split.idBase() + item);
      for (Language lang : languages) {
        out.add(
            new ParallelQuestion(
                "qt-" + split.label() + "-" + item + "-" + lang.code(),
                parallelId,
                lang.code(),
                generator.question(split, item, lang)));
      }
    }
    return out;
  }
}
