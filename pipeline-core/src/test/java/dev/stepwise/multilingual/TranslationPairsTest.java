package dev.stepwise.multilingual;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskConfig;
import dev.stepwise.tasks.TaskGenerator;
import dev.stepwise.tasks.TinyTokenizer;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.HfTokenizer;
import dev.stepwise.train.SftExample;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TranslationPairsTest {

  static final TaskGenerator GENERATOR = new TaskGenerator(TaskConfig.defaults(), 5);

  @Test
  void syntheticPairsPutTheInstructionAfterTheSourceAndTargetTheEnglishQuestion() {
    List<ParallelQuestion> questions =
        TranslationPairs.synthetic(GENERATOR, Split.TRAIN, 10, 3, Language.all());
    TranslationPairs.Built built =
        TranslationPairs.build(questions, List.of(Language.ZH, Language.SW), Language.EN);
    assertThat(built.unpaired()).isEmpty();
    assertThat(built.pairs())
        .hasSize(6)
        .extracting(TranslationPair::sourceLang)
        .containsExactly("zh", "sw", "zh", "sw", "zh", "sw");
    TranslationPair zh = built.pairs().get(0);
    String chinese = GENERATOR.question(Split.TRAIN, 10, Language.ZH),
        english = GENERATOR.question(Split.TRAIN, 10, Language.EN);
    assertThat(zh.source()).isEqualTo(chinese);
    assertThat(zh.instruction()).isEqualTo("Translate the input from Chinese to English:");
    assertThat(zh.prompt()).isEqualTo(chinese + "\nTranslate the input from Chinese to English:");
    assertThat(zh.target()).isEqualTo(english);
    assertThat(zh.targetLang()).isEqualTo("en");
    assertThat(zh.parallelId())
        .isEqualTo(built.pairs().get(1).parallelId())
        .isEqualTo(Long.toString(Split.TRAIN.idBase() + 10));
    assertThat(built.pairs().get(1).instruction())
        .isEqualTo("Translate the input from Swahili to English:");
    // No answers anywhere: the target is the bare question, not a solution.
    assertThat(built.pairs())
        .allSatisfy(p -> assertThat(p.target() + p.prompt()).doesNotContain("\\boxed", "Step 1:"));
  }

  @Test
  void mgsmRowsPairByParallelIdAndMissingPivotsAreReported() {
    // MGSM line 1 (zh, en) as the importer writes them, plus a de row with no English partner.
    List<ParallelQuestion> rows =
        List.of(
            new ParallelQuestion("mgsm/test/zh/1", "mgsm-1", "zh", "珍妮特的鸭子每天下 16 颗蛋。她每天农贸市场赚多少钱？"),
            new ParallelQuestion(
                "mgsm/test/en/1",
                "mgsm-1",
                "en",
                "Janet’s ducks lay 16 eggs per day. How much does she make every day?"),
            new ParallelQuestion(
                "mgsm/test/de/2",
                "mgsm-2",
                "de",
                "Für ein Gewand braucht man 2 Ballen blaue Faser."));
    TranslationPairs.Built built =
        TranslationPairs.build(rows, List.of(Language.ZH, Language.DE), Language.EN);
    assertThat(built.pairs())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.id()).isEqualTo("mgsm/test/zh/1");
              assertThat(p.targetId()).isEqualTo("mgsm/test/en/1");
              assertThat(p.target()).startsWith("Janet’s ducks");
            });
    assertThat(built.unpaired())
        .containsExactly(
            new TranslationPairs.Unpaired(
                "mgsm/test/de/2", "no en question with parallel_id mgsm-2"));
  }

  @Test
  void badSelectionsAndDuplicatesFailClearly() {
    List<ParallelQuestion> rows =
        List.of(
            new ParallelQuestion("x1", "p", "zh", "问题"),
            new ParallelQuestion("x2", "p", "zh", "另一个"));
    assertThatThrownBy(
            () -> TranslationPairs.build(rows, List.of(Language.EN, Language.ZH), Language.EN))
        .hasMessageContaining("contains the pivot language en");
    assertThatThrownBy(() -> TranslationPairs.build(rows, List.of(), Language.EN))
        .hasMessageContaining("align.languages is empty");
    assertThatThrownBy(() -> TranslationPairs.build(rows, List.of(Language.ZH), Language.EN))
        .hasMessageContaining("questions x1 and x2 both have parallel_id p and language zh");
  }

  @Test
  void sftExampleIsTheChatPromptAndTheEnglishQuestionEndingInEos(@TempDir Path dir) {
    TinyTokenizer.write(dir, 300, 3);
    try (HfTokenizer tokenizer = HfTokenizer.load(dir)) {
      ChatFormat chat = new ChatFormat(tokenizer);
      TranslationPair pair =
          TranslationPairs.build(
                  TranslationPairs.synthetic(
                      GENERATOR, Split.TRAIN, 0, 1, List.of(Language.DE, Language.EN)),
                  List.of(Language.DE),
                  Language.EN)
              .pairs()
              .get(0);
      SftExample example = pair.toSftExample(chat);
      assertThat(example.promptIds()).containsExactly(chat.prompt(pair.prompt()));
      int[] completion = example.completionIds();
      assertThat(completion[completion.length - 1]).isEqualTo(chat.eosId());
      assertThat(tokenizer.decode(Arrays.copyOf(completion, completion.length - 1)))
          .isEqualTo(pair.target());
      assertThat(tokenizer.decode(example.promptIds()))
          .contains(pair.source() + "\nTranslate the input from German to English:");
    }
  }
}
