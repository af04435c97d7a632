package dev.stepwise.eval;

import dev.stepwise.judge.JudgeMode;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskExample;
import dev.stepwise.tasks.TaskGenerator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Held-out accuracy on the synthetic tasks after SFT: greedy reasoning on {@link Split#EVAL}
 * problems and step judging on {@link Split#EFT_TEST} pairs, per language. These problem sets never
 * occur in training data, whatever the seed.
 */
public final class SyntheticEval {

  /** Accuracy and item count of one language (or "all"). */
  public record Score(double accuracy, int items) {}

  /** Per-language scores, languages in the order asked, then "all". */
  public record Result(Map<String, Score> reasoning, Map<String, Score> judge) {}

  private SyntheticEval() {}

  /** Evaluates items 0..problems-1 of each held-out split in every language. */
  public static Result run(
      HeldOutEval eval, TaskGenerator tasks, List<Language> languages, int problems) {
    return new Result(
        byLanguage(eval.reasoning(items(tasks.ift(Split.EVAL, 0, problems, languages))), languages),
        byLanguage(
            eval.judging(items(tasks.eft(Split.EFT_TEST, 0, problems, languages))), languages));
  }

  /**
   * Judge accuracy in {@code mode} on step-judge examples (gold = the better step, "A" or "B"),
   * over all their languages.
   */
  public static Score judgeAccuracy(HeldOutEval eval, List<TaskExample> pairs, JudgeMode mode) {
    return new Score(HeldOutEval.accuracy(eval.judging(items(pairs), mode)), pairs.size());
  }

  private static List<HeldOutEval.Item> items(List<TaskExample> examples) {
    List<HeldOutEval.Item> items = new ArrayList<>();
    for (TaskExample e : examples)
      items.add(new HeldOutEval.Item(e.id(), e.lang(), e.prompt(), e.gold()));
    return items;
  }

  private static Map<String, Score> byLanguage(
      List<HeldOutEval.Graded> graded, List<Language> languages) {
    Map<String, Score> scores = new LinkedHashMap<>();
    for (Language lang : languages) {
      List<HeldOutEval.Graded> mine =
          graded.stream().filter(g -> g.item().lang().equals(lang.code())).toList();
      scores.put(lang.code(), new Score(HeldOutEval.accuracy(mine), mine.size()));
    }
    scores.put("all", new Score(HeldOutEval.accuracy(graded), graded.size()));
    return scores;
  }
}
