package dev.stepwise.importers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class TextImporterTest {
  private static final ImportLimits LIMITS = new ImportLimits(500, true);

  static byte[] resource(String name) throws IOException {
    try (InputStream in = TextImporterTest.class.getResourceAsStream("/importers/" + name)) {
      return in.readAllBytes();
    }
  }

  private static ImportSpec spec(SourceFormat format, String file, ImportLimits limits) {
    return new ImportSpec(
        format.defaultSource(),
        format.splitOf(file, null),
        format.langOf(file, null),
        format.defaultMapping(),
        limits,
        format.parallelByLine(),
        format.solutions());
  }

  @Test
  void gsm8kKeepsGoodRowsAndRejectsEachBadOneWithLineAndReason() throws IOException {
    String file = "file:/data/gsm8k_bad.jsonl";
    ParsedFile parsed =
        TextImporter.parse(
            file,
            resource("gsm8k_bad.jsonl"),
            SourceFormat.GSM8K.parser(),
            new ImportSpec(
                "gsm8k",
                "test",
                "en",
                FieldMapping.GSM8K,
                LIMITS,
                false,
                ImportSpec.Solutions.GSM8K));

    assertThat(parsed.prompts())
        .extracting(PromptRow::id)
        .containsExactly("gsm8k/test/1", "gsm8k/test/10");
    PromptRow first = parsed.prompts().get(0);
    assertThat(first.gold()).isEqualTo("18");
    assertThat(first.lang()).isEqualTo("en");
    assertThat(first.parallelId()).isEqualTo("gsm8k/test/1");
    assertThat(first.question()).startsWith("Janet\u2019s ducks lay 16 eggs");
    assertThat(first.solution())
        .isEqualTo(
            "Step 1: Janet sells 16 - 3 - 4 = 9 duck eggs a day.\n"
                + "Step 2: She makes 9 * 2 = $18 every day at the farmer\u2019s market. The answer is \\boxed{18}.");
    assertThat(first.original()).containsOnlyKeys("question", "answer");
    assertThat(parsed.prompts().get(1).gold()).isEqualTo("3");

    assertThat(parsed.rejected())
        .extracting(RejectedRow::line)
        .containsExactly(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    List<String> reasons = parsed.rejected().stream().map(RejectedRow::reason).toList();
    assertThat(reasons.get(0)).startsWith("broken JSON");
    assertThat(reasons.get(1)).isEqualTo("field 'question' (question) is missing");
    assertThat(reasons.get(2)).isEqualTo("field 'question' (question) is empty");
    assertThat(reasons.get(3))
        .isEqualTo("field 'answer': gold answer \"It is four.\n#### four\" is not a number");
    assertThat(reasons.get(4)).isEqualTo("line is not valid UTF-8");
    assertThat(reasons.get(5))
        .isEqualTo(
            "field 'question' is 1000 chars, over the limit of 500 (stepwise.import.max_chars)");
    assertThat(reasons.get(6)).isEqualTo("expected a JSON object, found an array");
    assertThat(reasons.get(7)).isEqualTo("empty line");
    assertThat(parsed.rejected()).allSatisfy(r -> assertThat(r.file()).isEqualTo(file));
    assertThat(parsed.rejected().get(4).content()).contains("\uFFFD");
  }

  @Test
  void goldIsOptionalWhenNotRequired() throws IOException {
    ParsedFile parsed =
        TextImporter.parse(
            "f",
            resource("gsm8k_bad.jsonl"),
            SourceFormat.GSM8K.parser(),
            new ImportSpec(
                "gsm8k",
                "test",
                "en",
                FieldMapping.GSM8K,
                new ImportLimits(500, false),
                false,
                ImportSpec.Solutions.GSM8K));
    PromptRow noGold =
        parsed.prompts().stream()
            .filter(p -> p.question().equals("What is 2+2?"))
            .findFirst()
            .orElseThrow();
    assertThat(noGold.gold()).isNull();
    assertThat(parsed.prompts()).hasSize(3);
  }

  @Test
  void mgsmTakesLanguageFromFileNameAndLinksLinesAcrossLanguages() throws IOException {
    String file = "bad/mgsm_de.tsv";
    ParsedFile parsed =
        TextImporter.parse(
            file,
            resource(file),
            SourceFormat.MGSM.parser(),
            spec(SourceFormat.MGSM, file, new ImportLimits(4000, true)));
    assertThat(parsed.prompts())
        .extracting(PromptRow::id)
        .containsExactly("mgsm/test/de/1", "mgsm/test/de/4", "mgsm/test/de/5");
    assertThat(parsed.prompts())
        .extracting(PromptRow::parallelId)
        .containsExactly("mgsm/test/1", "mgsm/test/4", "mgsm/test/5");
    assertThat(parsed.prompts()).extracting(PromptRow::gold).containsExactly("18", "3", "70000");
    assertThat(parsed.prompts()).allSatisfy(p -> assertThat(p.lang()).isEqualTo("de"));
    assertThat(parsed.rejected())
        .extracting(RejectedRow::reason)
        .containsExactly(
            "expected 2 tab-separated columns [question, answer], found 1",
            "expected 2 tab-separated columns [question, answer], found 3");
  }

  @Test
  void fileNamesGiveSplitAndLanguage() {
    assertThat(SourceFormat.GSM8K.splitOf("train.jsonl", null)).isEqualTo("train");
    assertThat(SourceFormat.GSM8K.splitOf("anything.jsonl", "dev")).isEqualTo("dev");
    assertThat(SourceFormat.MGSM.langOf("mgsm_zh.tsv", null)).isEqualTo("zh");
    assertThat(SourceFormat.MGSM.langOf("mgsm_zh.tsv", "ja")).isEqualTo("ja");
    assertThat(SourceFormat.MGSM.accepts("LICENSE")).isFalse();
    Assertions.assertThatThrownBy(() -> SourceFormat.JSONL.splitOf("data.jsonl", null))
        .hasMessageContaining("pass --split");
  }

  @Test
  void gsm8kSolutionsBecomeStepsOneLineEach() {
    assertThat(
            Gsm8kSolution.toSteps(
                "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n"
                    + "Natalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72"))
        .isEqualTo(
            "Step 1: Natalia sold 48/2 = 24 clips in May.\n"
                + "Step 2: Natalia sold 48+24 = 72 clips altogether in April and May. The answer is \\boxed{72}.");
    assertThat(
            Gsm8kSolution.toSteps(
                "It takes 2/2=<<2/2=1>>1 bolt\n\nSo 2+1=<<2+1=3>>3 bolts\n#### 3"))
        .isEqualTo(
            "Step 1: It takes 2/2=1 bolt\nStep 2: So 2+1=3 bolts. The answer is \\boxed{3}.");
    Assertions.assertThatThrownBy(() -> Gsm8kSolution.toSteps("#### 3"))
        .hasMessage("worked solution has no reasoning before '####'");
    Assertions.assertThatThrownBy(() -> Gsm8kSolution.toSteps("it is 3"))
        .hasMessage("worked solution has no '#### answer' line");
  }

  @Test
  void solutionsOfOtherFormatsAreTakenInTheStepFormatOrRejectedWithTheReason() {
    FieldMapping m = FieldMapping.parse(Map.of("question", "problem", "solution", "steps"));
    PromptBuilder builder =
        new PromptBuilder(
            new ImportSpec(
                "math",
                "train",
                "en",
                m,
                new ImportLimits(500, false),
                false,
                ImportSpec.Solutions.STEPS));
    String steps = "Step 1: 2 + 3 = 5\nStep 2: 5 * 2 = 10. The answer is \\boxed{10}.";
    assertThat(builder.build(Map.of("problem", "q", "steps", steps), 1).solution())
        .isEqualTo(steps);
    Map<String, String> reasons =
        Map.of(
            "2 + 3 = 5, so \\boxed{5}", "no line starts with \"Step 1: \"",
            "We add.\nStep 1: \\boxed{5}", "text before \"Step 1: \"",
            "Step 1: 2 + 3 = 5\nStep 3: \\boxed{5}", "step 2 is numbered 3",
            "Step 1: 2 + 3 = 5\nStep 2: so 5", "the last step has no \\boxed{} answer");
    reasons.forEach(
        (solution, why) ->
            Assertions.assertThatThrownBy(
                    () -> builder.build(Map.of("problem", "q", "steps", solution), 4))
                .hasMessage(
                    "field 'steps' (solution) is not in the step format ("
                        + why
                        + "); write it as lines \"Step 1: ...\","
                        + " \"Step 2: ...\" ending in \\boxed{answer}, or map no solution"));
  }

  @Test
  void genericMappingNamesUnknownColumns() {
    FieldMapping m =
        FieldMapping.parse(Map.of("question", "problem", "gold", "final", "id", "uid"));
    assertThat(m.question()).isEqualTo("problem");
    PromptRow row =
        new PromptBuilder(
                new ImportSpec("math", "train", "en", m, LIMITS, false, ImportSpec.Solutions.STEPS))
            .build(Map.of("problem", "1+1?", "final", "2", "uid", "q7"), 3);
    assertThat(row.id()).isEqualTo("math/train/q7");
    assertThat(row.gold()).isEqualTo("2");
    Assertions.assertThatThrownBy(() -> FieldMapping.parse(Map.of("question", "q", "answr", "a")))
        .hasMessageContaining("cannot map [answr]");
  }
}
