package dev.stepwise.spark.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.Guice;
import com.typesafe.config.ConfigException;
import dev.stepwise.judge.JudgeMode;
import dev.stepwise.judge.StepCheck;
import dev.stepwise.model.lora.LoraSettings;
import dev.stepwise.text.PromptTemplates;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StepwiseConfigTest {
  @TempDir Path tmp;

  @Test
  void referenceGivesTheDocumentedDefaults() {
    StepwiseConfig c = StepwiseConfig.reference();
    assertThat(SparkConfig.from(c.raw()))
        .isEqualTo(new SparkConfig("local[*]", "stepwise", false, 0, Duration.ofSeconds(120)));
    assertThat(ImportConfig.from(c.raw()).limits().maxChars()).isEqualTo(8000);
    assertThat(RunConfig.from(c.raw())).isEqualTo(new RunConfig("runs/demo", 42));
  }

  @Test
  void loraIsOffByDefaultAndItsKeysAreChecked() {
    assertThat(TrainingConfig.from(StepwiseConfig.reference().raw(), "dpo").lora()).isNull();
    StepwiseConfig on =
        StepwiseConfig.load(
            null, Map.of("stepwise.train.lora.enabled", "true", "stepwise.train.lora.r", "16"));
    assertThat(TrainingConfig.from(on.raw(), "align").settings(1).lora())
        .isEqualTo(
            new LoraSettings(
                16,
                16,
                0.0,
                List.of(
                    "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")));
    StepwiseConfig bad =
        StepwiseConfig.load(
            null,
            Map.of(
                "stepwise.train.lora.enabled",
                "true",
                "stepwise.train.lora.target_modules",
                "[qkv]"));
    assertThatThrownBy(() -> TrainingConfig.from(bad.raw(), "dpo"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "stepwise.train.lora: lora target_modules: 'qkv' is not a projection of this decoder");
    StepwiseConfig dropout =
        StepwiseConfig.load(
            null,
            Map.of("stepwise.train.lora.enabled", "true", "stepwise.train.lora.dropout", "0.1"));
    assertThat(TrainingConfig.from(dropout.raw(), "dpo").lora().dropout()).isEqualTo(0.1);
  }

  @Test
  void fileThenSetOverride() throws IOException {
    Path file =
        Files.writeString(
            tmp.resolve("my.conf"),
            "stepwise.run { seed = 7, dir = \"/data/r1\" }\nstepwise.import.max_chars = 100\n");
    StepwiseConfig c =
        StepwiseConfig.load(
            file.toFile(),
            Map.of(
                "stepwise.import.max_chars",
                "200",
                "stepwise.spark.executor_wait",
                "5s",
                "stepwise.import.require_gold",
                "false"));
    assertThat(RunConfig.from(c.raw())).isEqualTo(new RunConfig("/data/r1", 7));
    assertThat(ImportConfig.from(c.raw()).limits().maxChars()).isEqualTo(200);
    assertThat(ImportConfig.from(c.raw()).limits().requireGold()).isFalse();
    assertThat(SparkConfig.from(c.raw()).executorWait()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.hash()).isNotEqualTo(StepwiseConfig.reference().hash());
    assertThat(c.render()).contains("\"max_chars\"=200");
  }

  @Test
  void unknownKeyIsAnErrorNamingTheKeyAndItsSiblings() throws IOException {
    assertThatThrownBy(() -> StepwiseConfig.load(null, Map.of("stepwise.import.max_char", "5")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "unknown config key 'stepwise.import.max_char' (--set stepwise.import.max_char)")
        .hasMessageContaining("[max_chars, require_gold]");
    Path file = Files.writeString(tmp.resolve("bad.conf"), "stepwise.sparc.master = x\n");
    assertThatThrownBy(() -> StepwiseConfig.load(file.toFile(), Map.of()))
        .hasMessageContaining("unknown config key 'stepwise.sparc.master'")
        .hasMessageContaining("bad.conf");
  }

  @Test
  void sharedPrefixesAreOnAndTheJudgeGeneratesByDefaultAndABadJudgeModeIsNamed() {
    SelfRewardConfig reference = SelfRewardConfig.from(StepwiseConfig.reference().raw());
    assertThat(reference.sharePrefix()).isTrue();
    assertThat(reference.judgeMode()).isEqualTo(JudgeMode.GENERATE);
    Map<String, String> forced = Map.of("stepwise.judge.mode", "forced_choice");
    assertThat(SelfRewardConfig.from(StepwiseConfig.load(null, forced).raw()).judgeMode())
        .isEqualTo(JudgeMode.FORCED_CHOICE);
    Map<String, String> vote = Map.of("stepwise.judge.mode", "vote");
    assertThatThrownBy(() -> SelfRewardConfig.from(StepwiseConfig.load(null, vote).raw()))
        .hasMessage(
            "config key 'stepwise.judge.mode' must be \"generate\" or \"forced_choice\", found \"vote\"");
  }

  @Test
  void theJudgeCheckIsTheExpectedOneByDefaultAndReachesTheTaskGenerator() {
    assertThat(TasksConfig.from(StepwiseConfig.reference().raw()).generator().check())
        .isEqualTo(StepCheck.EXPECTED);
    Map<String, String> inverse = Map.of("stepwise.judge.check", "inverse");
    assertThat(TasksConfig.from(StepwiseConfig.load(null, inverse).raw()).generator().check())
        .isEqualTo(StepCheck.INVERSE);
    Map<String, String> bad = Map.of("stepwise.judge.check", "backwards");
    assertThatThrownBy(() -> TasksConfig.from(StepwiseConfig.load(null, bad).raw()))
        .hasMessage(
            "config key 'stepwise.judge.check' must be \"expected\" or \"inverse\", found \"backwards\"");
  }

  @Test
  void wrongTypeIsAnErrorNamingKeyExpectedAndFound() {
    assertThatThrownBy(() -> StepwiseConfig.load(null, Map.of("stepwise.import.max_chars", "lots")))
        .hasMessage(
            "config key 'stepwise.import.max_chars' must be an integer, found \"lots\" (--set stepwise.import.max_chars)");
    assertThatThrownBy(() -> StepwiseConfig.load(null, Map.of("stepwise.spark.ui", "maybe")))
        .hasMessageContaining("'stepwise.spark.ui' must be true or false");
    assertThatThrownBy(
            () -> StepwiseConfig.load(null, Map.of("stepwise.spark.executor_wait", "soon")))
        .hasMessageContaining("'stepwise.spark.executor_wait' must be a duration like 120s");
    assertThatThrownBy(() -> StepwiseConfig.load(tmp.resolve("missing.conf").toFile(), Map.of()))
        .hasMessageContaining("config file not found");
  }

  @Test
  void promptTemplatesDefaultToTheOnesTheShippedM1WasTrainedWith() {
    assertThat(PromptsConfig.from(StepwiseConfig.reference().raw()).templates())
        .isEqualTo(PromptTemplates.DEFAULT);
    assertThat(
            PromptsConfig.from(
                    StepwiseConfig.load(
                            null, Map.of("stepwise.prompts.reasoning", "Q: {problem}\nA:"))
                        .raw())
                .templates()
                .reasoning("2+2?"))
        .isEqualTo("Q: 2+2?\nA:");
    assertThatThrownBy(
            () ->
                PromptsConfig.from(
                    StepwiseConfig.load(null, Map.of("stepwise.prompts.judge", "{question}"))
                        .raw()))
        .hasMessageContaining("'stepwise.prompts.judge' must contain {previous_steps}");
  }

  @Test
  void dataSelectionDefaultsToTheSyntheticTaskAndTheGsm8kConfigToImports() {
    StepwiseConfig reference = StepwiseConfig.reference();
    assertThat(SftConfig.from(reference.raw()).data())
        .isEqualTo(new SftDataConfig(List.of("synthetic"), List.of("synthetic"), 0, 0));
    assertThat(SearchPromptsConfig.from(reference.raw()))
        .isEqualTo(new SearchPromptsConfig("synthetic", "train", List.of()));
    File gsm8k = null;
    for (File dir = new File("").getAbsoluteFile();
        dir != null && gsm8k == null;
        dir = dir.getParentFile()) {
      if (new File(dir, "conf/gsm8k.conf").isFile()) gsm8k = new File(dir, "conf/gsm8k.conf");
    }
    StepwiseConfig c = StepwiseConfig.load(gsm8k, Map.of("stepwise.model.m1", "/models/qwen"));
    assertThat(SftConfig.from(c.raw()).data())
        .isEqualTo(new SftDataConfig(List.of("gsm8k/train"), List.of("from_ift"), 0, 0));
    assertThat(SearchPromptsConfig.from(c.raw()))
        .isEqualTo(new SearchPromptsConfig("gsm8k", "train", List.of()));
    assertThat(SelfRewardConfig.from(c.raw()).importedPerLanguage()).isEqualTo(200);
    assertThat(ModelConfig.from(c.raw()).m1()).isEqualTo("/models/qwen");
    assertThatThrownBy(
            () ->
                SftConfig.from(
                    StepwiseConfig.load(null, Map.of("stepwise.sft.data.eft", "[from_ift]")).raw()))
        .hasMessageContaining("\"from_ift\" needs imported prompts");
    assertThatThrownBy(
            () ->
                SftConfig.from(
                    StepwiseConfig.load(null, Map.of("stepwise.sft.data.ift", "[gsm8k]")).raw()))
        .hasMessageContaining("\"SOURCE/SPLIT\"");
  }

  @Test
  void guiceBindsTypedRecords() {
    var injector =
        Guice.createInjector(
            new ConfigModule(StepwiseConfig.load(null, Map.of("stepwise.run.seed", "9"))));
    assertThat(injector.getInstance(RunConfig.class).seed()).isEqualTo(9);
    assertThat(injector.getInstance(ImportConfig.class).limits().requireGold()).isTrue();
  }
}
