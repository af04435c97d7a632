package dev.stepwise.tasks;

import dev.stepwise.text.ChatFormat;
import dev.stepwise.train.SftExample;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The M0 -> M1 training mix: IFT (step-formatted solutions) and EFT (pairwise step judging)
 * examples of distinct problems, each problem in one language, the languages taking turns. Distinct
 * problems matter more than languages: the same problem in ten languages teaches a small model ten
 * copies of one solution (measured: judge accuracy stayed at chance).
 */
public record SftMixture(List<Language> languages, int iftProblems, int eftProblems)
    implements Serializable {

  public SftMixture {
    if (languages.isEmpty()) {
      throw new IllegalArgumentException("tasks.languages must name at least one language");
    }
    if (iftProblems < 0 || eftProblems < 0) {
      throw new IllegalArgumentException(
          "IFT and EFT problems must be >= 0, got " + iftProblems + " and " + eftProblems);
    }
    languages = List.copyOf(languages);
  }

  /**
   * Text rows as training examples: the prompt as the user turn, the completion as the assistant
   * turn.
   */
  public static List<SftExample> tokenized(List<TaskExample> examples, ChatFormat chat) {
    List<SftExample> out = new ArrayList<>();
    for (TaskExample e : examples)
      out.add(new SftExample(chat.prompt(e.prompt()), chat.completion(e.completion())));
    return out;
  }

  /** The same examples as text rows. */
  public List<TaskExample> taskExamples(TaskGenerator generator, Split split) {
    List<TaskExample> out = new ArrayList<>();
    for (int i = 0; i < iftProblems; i++) {
      out.addAll(generator.ift(split, i, 1, List.of(languages.get(i % languages.size()))));
    }
    out.addAll(generator.eftOneLanguageEach(split, 0, eftProblems, languages));
    return out;
  }
}
