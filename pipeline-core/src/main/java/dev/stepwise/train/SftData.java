package dev.stepwise.train;

import dev.stepwise.io.JsonlRows;
import dev.stepwise.text.ChatFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * SFT examples in the chat format from {prompt, completion} JSONL rows (the synthetic mix is
 * SftMixture).
 */
public final class SftData {
  private SftData() {}

  /**
   * Rows {"prompt": user turn, "completion": assistant answer}; the prompt goes through the chat
   * template.
   */
  public static List<SftExample> jsonl(Path file, ChatFormat chat) {
    List<SftExample> out = new ArrayList<>();
    for (JsonlRows.Row row : JsonlRows.read(file)) {
      String completion = row.text("completion");
      if (completion.isEmpty())
        throw new IllegalArgumentException(row.where() + ": \"completion\" is empty");
      out.add(new SftExample(chat.prompt(row.text("prompt")), chat.completion(completion)));
    }
    return out;
  }

  /** Prompt plus completion tokens: what one example costs in a forward pass. */
  public static int length(SftExample e) {
    return e.promptIds().length + e.completionIds().length;
  }
}
