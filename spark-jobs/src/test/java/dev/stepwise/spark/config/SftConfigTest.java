package dev.stepwise.spark.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigException;
import dev.stepwise.selfreward.SftRecipe;
import java.io.File;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SftConfigTest {

  private static SftConfig load(Map<String, String> sets) {
    return SftConfig.from(StepwiseConfig.load(null, sets).raw());
  }

  @Test
  void withoutPassesTheRecipeIsOnePassOfTheSftKeysOnTheTasksMixture() {
    SftConfig c =
        load(
            Map.of(
                "stepwise.sft.steps", "7",
                "stepwise.tasks.train_problems", "30",
                "stepwise.sft.policy_eft.problems", "5"));
    assertThat(c.recipe().passes()).hasSize(1);
    SftRecipe.Pass p = c.recipe().passes().get(0);
    assertThat(p.train().steps()).isEqualTo(7);
    assertThat(p.train().learningRate()).isEqualTo(2e-3);
    assertThat(p.train().seed()).isEqualTo(42);
    assertThat(List.of(p.iftProblems(), p.eftProblems(), p.policyEftProblems()))
        .containsExactly(30, 8000, 5);
    assertThat(c.recipe().lengthWindow()).isEqualTo(8);
    assertThat(c.recipe().policyEft()).isEqualTo(new SftRecipe.PolicyEftSampling(6, 1.0, 48));
    assertThat(c.data().ift()).containsExactly("synthetic");
    assertThat(List.of(c.workers(), c.syncEvery())).containsExactly(1, 20);
  }

  @Test
  void aPassOverridesTheKeysItSetsAndFallsBackToTheOthers() {
    SftConfig c =
        load(
            Map.of(
                "stepwise.sft.lr",
                "1e-3",
                "stepwise.sft.passes",
                "[{steps = 3}, {steps = 4, lr = 5e-4, ift_problems = 10, eft_problems = 20,"
                    + " policy_eft_problems = 6, batch_size = 4}]"));
    List<SftRecipe.Pass> passes = c.recipe().passes();
    assertThat(passes).hasSize(2);
    assertThat(passes.get(0).train().steps()).isEqualTo(3);
    assertThat(passes.get(0).train().learningRate()).isEqualTo(1e-3);
    assertThat(passes.get(0).train().batchSize()).isEqualTo(32);
    assertThat(passes.get(0).iftProblems()).isEqualTo(12000);
    assertThat(passes.get(1).train().learningRate()).isEqualTo(5e-4);
    assertThat(passes.get(1).train().batchSize()).isEqualTo(4);
    assertThat(passes.get(1).train().warmupRatio()).isEqualTo(0.05);
    assertThat(List.of(passes.get(1).iftProblems(), passes.get(1).eftProblems()))
        .containsExactly(10, 20);
    assertThat(passes.get(1).policyEftProblems()).isEqualTo(6);
  }

  @Test
  void aBadPassIsNamedWithItsIndexAndKey() {
    assertThatThrownBy(
            () ->
                load(
                    Map.of("stepwise.sft.passes", "[{steps = 3}, {steps = 2, learning_rate = 1}]")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("stepwise.sft.passes[1]")
        .hasMessageContaining("unknown key(s) [learning_rate]")
        .hasMessageContaining("a pass may set [batch_size,");
    assertThatThrownBy(() -> load(Map.of("stepwise.sft.passes", "[{lr = -1}]")))
        .hasMessageContaining("stepwise.sft.passes[0]: stepwise.sft.lr must be > 0 (got -1");
    assertThatThrownBy(() -> load(Map.of("stepwise.sft.passes", "[{ift_problems = -2}]")))
        .hasMessageContaining("stepwise.sft.passes[0]")
        .hasMessageContaining("problem counts must be >= 0");
    assertThatThrownBy(() -> load(Map.of("stepwise.sft.passes", "[{steps = many}]")))
        .hasMessageContaining("stepwise.sft.passes[0]")
        .hasMessageContaining("steps");
  }

  @Test
  void theShippedM1RecipeIsTheSixCommandsOfTheReadme() {
    File conf = new File("../conf/tiny-m1.conf");
    SftConfig c = SftConfig.from(StepwiseConfig.load(conf, Map.of()).raw());
    List<SftRecipe.Pass> p = c.recipe().passes();
    assertThat(p.stream().map(x -> x.train().steps()).toList())
        .containsExactly(1200L, 600L, 1000L, 600L, 400L);
    assertThat(p.stream().map(x -> x.train().learningRate()).toList())
        .containsExactly(2e-3, 1e-3, 1e-3, 1e-3, 5e-4);
    assertThat(p.stream().map(SftRecipe.Pass::iftProblems).toList())
        .containsExactly(12000, 4000, 3000, 1500, 500);
    assertThat(p.stream().map(SftRecipe.Pass::eftProblems).toList())
        .containsExactly(8000, 8000, 12000, 12000, 2000);
    assertThat(p.stream().map(SftRecipe.Pass::policyEftProblems).toList())
        .containsExactly(0, 0, 0, 0, 6000);
    assertThat(p.stream().map(x -> x.train().warmupRatio()).toList())
        .containsExactly(0.05, 0.02, 0.02, 0.02, 0.02);
  }
}
