package dev.stepwise.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfTokenizerTest {
  static final List<String> SPECIALS =
      List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<pad>");
  static final String MULTILINGUAL =
      "Step 1: 7 + 5 = 12\nÜber 1,234 Äpfel — 安娜有5个苹果。りんごを5個 แอนนามีแอปเปิล 5 ลูก "
          + "আনার কাছে 5টি আপেল আছে। Привет! 🙂 tabs\tand  double  spaces\r\n\\boxed{-3}";

  @Test
  void learnedTokenizerRoundTripsAnyTextThroughDjl(@TempDir Path dir) {
    List<String> corpus =
        List.of(
            "Step 1: 7 + 5 = 12",
            "Step 2: 12 - 4 = 8. The answer is \\boxed{8}.",
            "Anna has 7 apples.");
    BpeTrainer.BpeModel model = BpeTrainer.train(corpus, 300, 1);
    ByteLevelBpeFiles.write(
        dir, model, SPECIALS, new ByteLevelBpeFiles.Config("<|im_end|>", "<pad>", null, null, 256));
    try (HfTokenizer tok = HfTokenizer.load(dir)) {
      assertThat(tok.vocabSize()).isEqualTo(model.tokens().size() + SPECIALS.size());
      assertThat(tok.decode(tok.encode(MULTILINGUAL))).isEqualTo(MULTILINGUAL);
      // Learned merges make the training text shorter than its byte count.
      assertThat(tok.encode("Step 1: 7 + 5 = 12").length).isLessThan("Step 1: 7 + 5 = 12".length());
      int imEnd = model.tokens().size() + 2;
      assertThat(tok.specialTokens().eosId()).isEqualTo(imEnd);
      assertThat(tok.specialTokens().padId()).isEqualTo(imEnd + 1);
      assertThat(tok.specialTokens().bos()).isEmpty();
      // Special-token text maps to its single id; decoding keeps it unless asked to skip.
      int[] ids = tok.encode("hi<|im_end|>");
      assertThat(ids[ids.length - 1]).isEqualTo(imEnd);
      assertThat(tok.decode(ids, true)).isEqualTo("hi");
    }
  }

  @Test
  void neverTruncatesAt512(@TempDir Path dir) {
    BpeTrainer.BpeModel model = BpeTrainer.train(List.of("x"), 256, 1);
    ByteLevelBpeFiles.write(
        dir, model, SPECIALS, new ByteLevelBpeFiles.Config("<|im_end|>", "<pad>", null, null, 256));
    String longText = "ab ".repeat(1000);
    try (HfTokenizer tok = HfTokenizer.load(dir)) {
      assertThat(tok.encode(longText)).hasSize(3000);
      assertThat(tok.decode(tok.encode(longText))).isEqualTo(longText);
    }
  }

  /**
   * A Qwen-sized (151k) byte-level BPE, generated: 256 bytes, all 65,536 byte pairs, then pair+byte
   * triples.
   */
  @Test
  void loadsA150kVocabularyInSeconds(@TempDir Path dir) {
    List<String> tokens = new ArrayList<>();
    List<String> merges = new ArrayList<>();
    for (int b = 0; b < 256; b++) tokens.add(ByteLevel.symbol(b));
    for (int a = 0; a < 256; a++)
      for (int b = 0; b < 256; b++) {
        tokens.add(ByteLevel.symbol(a) + ByteLevel.symbol(b));
        merges.add(ByteLevel.symbol(a) + " " + ByteLevel.symbol(b));
      }
    for (int pair = 0; tokens.size() < 151_643; pair++) {
      String left = tokens.get(256 + pair / 256);
      String right = ByteLevel.symbol(pair % 256);
      tokens.add(left + right);
      merges.add(left + " " + right);
    }
    ByteLevelBpeFiles.write(
        dir,
        new BpeTrainer.BpeModel(tokens, merges),
        List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"),
        new ByteLevelBpeFiles.Config("<|im_end|>", "<|endoftext|>", null, null, 32768));

    long start = System.nanoTime();
    try (HfTokenizer tok = HfTokenizer.load(dir)) {
      double seconds = (System.nanoTime() - start) / 1e9;
      assertThat(seconds).as("load time of a 151k tokenizer.json").isLessThan(15);
      assertThat(tok.vocabSize()).isEqualTo(151_646);
      assertThat(tok.specialTokens().eosId()).isEqualTo(151_645);
      assertThat(tok.decode(tok.encode(MULTILINGUAL))).isEqualTo(MULTILINGUAL);
      // Every text byte pair is one merge here, so 2-byte pieces encode to one token.
      assertThat(tok.encode("ab")).hasSize(1);
    }
  }

  @Test
  void missingFilesAndUnknownSpecialTokensAreClearErrors(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> HfTokenizer.load(dir)).hasMessageContaining("no tokenizer.json in");
    BpeTrainer.BpeModel model = BpeTrainer.train(List.of("x"), 256, 1);
    ByteLevelBpeFiles.write(
        dir, model, SPECIALS, new ByteLevelBpeFiles.Config("<|im_end|>", "<pad>", null, null, 256));
    Files.writeString(
        dir.resolve("tokenizer_config.json"), "{\"eos_token\": {\"content\": \"</s>\"}}");
    assertThatThrownBy(() -> HfTokenizer.load(dir))
        .hasMessageContaining("eos_token \"</s>\" is not in");
  }
}
