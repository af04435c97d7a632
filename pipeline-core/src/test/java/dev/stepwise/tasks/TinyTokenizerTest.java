package dev.stepwise.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stepwise.text.ChatMessage;
import dev.stepwise.text.HfTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TinyTokenizerTest {
  @TempDir static Path dir;
  static HfTokenizer tokenizer;

  @BeforeAll
  static void build() {
    TinyTokenizer.write(dir, TinyTokenizer.DEFAULT_VOCAB_SIZE, 11);
    tokenizer = HfTokenizer.load(dir);
  }

  @Test
  void hfFilesLoadWithSpecialTokensAndTemplate() {
    assertThat(tokenizer.vocabSize()).isBetween(1500, TinyTokenizer.DEFAULT_VOCAB_SIZE);
    assertThat(tokenizer.tokenId("<|im_end|>")).hasValue(tokenizer.specialTokens().eosId());
    assertThat(tokenizer.tokenId("<pad>")).hasValue(tokenizer.specialTokens().padId());
    String chat = tokenizer.applyChatTemplate(List.of(ChatMessage.user("2+3?")), true);
    assertThat(chat).isEqualTo("<|im_start|>user\n2+3?<|im_end|>\n<|im_start|>assistant\n");
    int[] ids = tokenizer.encode(chat);
    assertThat(ids[0]).isEqualTo(tokenizer.tokenId("<|im_start|>").getAsInt());
  }

  @Test
  void anyUtf8RoundTripsExactly() {
    List<String> texts =
        List.of(
            "安娜有5个苹果。日本語のテキスト、カタカナ。",
            "แอนนามีแอปเปิล 5 ลูก ภาษาไทย",
            "আনার কাছে ৫টি আপেল আছে।",
            "Привет, мир! Ёжик.",
            "emoji 🙂👍🏽 and ZWJ 👩‍👩‍👧",
            "e\u0301 decomposed vs é composed",
            "\t\n\r\n  spaces  ",
            "\\boxed{1,234} {nested {braces}}",
            "ß ç ñ ø å Ω ∑ ∫ √ ≤",
            "مرحبا بالعالم",
            "\u0000\u007f control");
    for (String t : texts) assertThat(tokenizer.decode(tokenizer.encode(t))).isEqualTo(t);
  }

  @Test
  void taskExamplesFitTheTinyContext() {
    TaskGenerator g = new TaskGenerator(TaskConfig.defaults(), 5);
    List<TaskExample> examples = new ArrayList<>(g.ift(Split.EVAL, 0, 40, Language.all()));
    examples.addAll(g.eft(Split.EFT_TEST, 0, 40, Language.all()));
    int longest = 0, longestIft = 0;
    for (TaskExample e : examples) {
      String chat =
          tokenizer.applyChatTemplate(
              List.of(ChatMessage.user(e.prompt()), ChatMessage.assistant(e.completion())), false);
      int n = tokenizer.encode(chat).length;
      longest = Math.max(longest, n);
      if (e.kind().equals("ift")) longestIft = Math.max(longestIft, n);
    }
    System.out.printf(
        "tiny tokenizer: longest IFT example %d tokens, longest EFT example %d tokens%n",
        longestIft, longest);
    assertThat(longest).isLessThanOrEqualTo(TinyTokenizer.MODEL_MAX_LENGTH);
    // "Step", " 1", ":", " 1", "8", " /", " 3", " =", " 6": digits one by one, a leading space
    // attached.
    assertThat(tokenizer.encode("Step 1: 18 / 3 = 6").length).isEqualTo(9);
  }
}
