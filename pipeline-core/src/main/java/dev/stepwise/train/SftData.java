package dev.stepwise.train;

import dev.stepwise.io.JsonlRows;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskExample;
import dev.stepwise.tasks.TaskGenerator;
import dev.stepwise.text.ChatFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** SFT examples in the chat format: the synthetic IFT + EFT mix, or {prompt, completion} JSONL rows. */
public final class SftData {
  private SftData() {}

  /** Train-split IFT (step-by-step solutions) and EFT (step judging) items 0..n-1 in each language. */
  public static List<SftExample> synthetic(TaskGenerator tasks, ChatFormat chat, int iftProblems, int eftProblems,
      List<Language> languages) {
    List<TaskExample> examples = new ArrayList<>(tasks.ift(Split.TRAIN, 0, iftProblems, languages));
    examples.addAll(tasks.eft(Split.TRAIN, 0, eftProblems, languages));
    List<SftExample> out = new ArrayList<>();
    for (TaskExample e : examples) out.add(new SftExample(chat.prompt(e.prompt()), chat.completion(e.completion())));
    return out;
  }

  /** Rows {"prompt": user turn, "completion": assistant answer}; the prompt goes through the chat template. */
  public static List<SftExample> jsonl(Path file, ChatFormat chat) {
    List<SftExample> out = new ArrayList<>();
    for (JsonlRows.Row row : JsonlRows.read(file)) {
      String completion = row.text("completion");
      if (completion.isEmpty()) throw new IllegalArgumentException(row.where() + ": \"completion\" is empty");
      out.add(new SftExample(chat.prompt(row.text("prompt")), chat.completion(completion)));
    }
    return out;
  }

  /** Prompt plus completion tokens: what one example costs in a forward pass. */
  public static int length(SftExample e) {
    return e.promptIds().length + e.completionIds().length;
  }
}
