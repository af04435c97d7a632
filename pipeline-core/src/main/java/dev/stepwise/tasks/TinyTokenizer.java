package dev.stepwise.tasks;

import dev.stepwise.text.BpeTrainer;
import dev.stepwise.text.ByteLevelBpeFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The tiny preset's tokenizer: a byte-level BPE learned from the synthetic task corpus (IFT and EFT
 * text in all ten languages), written as ordinary HF files with a ChatML chat template. Byte-level,
 * so any UTF-8 text still encodes; the learned merges just make task text short.
 */
public final class TinyTokenizer {
  public static final int DEFAULT_VOCAB_SIZE = 2048;
  public static final int MODEL_MAX_LENGTH = 256;
  public static final List<String> SPECIAL_TOKENS =
      List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<pad>");

  /**
   * Qwen2's ChatML without the default system prompt (it would cost tokens in a 256-token context).
   */
  public static final String CHAT_TEMPLATE =
      "{% for message in messages %}"
          + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
          + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

  private static final int CORPUS_ITEMS = 400;

  private TinyTokenizer() {}

  /**
   * Writes tokenizer.json and tokenizer_config.json into dir.
   *
   * @param vocabSize all token ids, the four special tokens included
   */
  public static void write(Path dir, int vocabSize, long seed) {
    BpeTrainer.BpeModel model =
        BpeTrainer.train(corpus(seed), vocabSize - SPECIAL_TOKENS.size(), 2);
    ByteLevelBpeFiles.write(
        dir,
        model,
        SPECIAL_TOKENS,
        new ByteLevelBpeFiles.Config("<|im_end|>", "<pad>", null, CHAT_TEMPLATE, MODEL_MAX_LENGTH));
  }

  /**
   * Train-split IFT and EFT turns in every language, with the role names ChatML puts before them.
   */
  static List<String> corpus(long seed) {
    TaskGenerator generator = new TaskGenerator(TaskConfig.defaults(), seed);
    List<TaskExample> examples =
        new ArrayList<>(generator.ift(Split.TRAIN, 0, CORPUS_ITEMS, Language.all()));
    examples.addAll(generator.eft(Split.TRAIN, 0, CORPUS_ITEMS, Language.all()));
    List<String> texts = new ArrayList<>();
    for (TaskExample e : examples) {
      texts.add("user\n" + e.prompt());
      texts.add("assistant\n" + e.completion());
    }
    return texts;
  }
}
