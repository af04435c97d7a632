package dev.stepwise.spark.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigRangesTest {

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      stepwise.dpo.lr                     | -1.0 | stepwise.dpo.lr must be > 0 (got -1.0 from --set stepwise.dpo.lr)
      stepwise.sft.lr                     | 0    | stepwise.sft.lr must be > 0 (got 0 from --set stepwise.sft.lr)
      stepwise.align.lr                   | -5e-5 | stepwise.align.lr must be > 0 (got -5.0E-5 from --set stepwise.align.lr)
      stepwise.sampling.temperature       | -0.5 | stepwise.sampling.temperature must be >= 0 (got -0.5 from --set stepwise.sampling.temperature)
      stepwise.eval.batch_size            | 0    | stepwise.eval.batch_size must be >= 1 (got 0 from --set stepwise.eval.batch_size)
      stepwise.loop.rounds                | -1   | stepwise.loop.rounds must be >= 0 (got -1 from --set stepwise.loop.rounds)
      stepwise.search.prompts_per_round   | 0    | stepwise.search.prompts_per_round must be >= 1 (got 0 from --set stepwise.search.prompts_per_round)
      stepwise.sampling.top_p             | 0    | stepwise.sampling.top_p must be in (0, 1] (got 0 from --set stepwise.sampling.top_p)
      stepwise.sampling.top_p             | 1.5  | stepwise.sampling.top_p must be in (0, 1] (got 1.5 from --set stepwise.sampling.top_p)
      stepwise.sampling.edt_n             | 1    | stepwise.sampling.edt_n must be in (0, 1) (got 1 from --set stepwise.sampling.edt_n)
      stepwise.dpo.warmup_ratio           | 1.1  | stepwise.dpo.warmup_ratio must be in [0, 1] (got 1.1 from --set stepwise.dpo.warmup_ratio)
      stepwise.dpo.beta                   | 0    | stepwise.dpo.beta must be > 0 (got 0 from --set stepwise.dpo.beta)
      stepwise.dpo.batch_size             | 0    | stepwise.dpo.batch_size must be >= 1 (got 0 from --set stepwise.dpo.batch_size)
      stepwise.search.candidates          | 1    | stepwise.search.candidates must be >= 2 (got 1 from --set stepwise.search.candidates)
      stepwise.train.workers              | 0    | stepwise.train.workers must be >= 1 (got 0 from --set stepwise.train.workers)
      stepwise.sft.save_every             | -1   | stepwise.sft.save_every must be >= 0 (got -1 from --set stepwise.sft.save_every)
      stepwise.neurons.rate               | 2    | stepwise.neurons.rate must be in (0, 1] (got 2 from --set stepwise.neurons.rate)
      stepwise.neurons.stages             | [0,-3] | stepwise.neurons.stages must be >= 0 (got -3 from --set stepwise.neurons.stages)
      stepwise.tasks.max_operations       | 1    | stepwise.tasks.max_operations must be >= stepwise.tasks.min_operations (got 1 < 2)
      stepwise.dpo.lr                     | NaN  | stepwise.dpo.lr must be > 0 (got NaN from --set stepwise.dpo.lr)
      stepwise.study.edt.samples          | 1    | stepwise.study.edt.samples must be >= 2 (got 1 from --set stepwise.study.edt.samples)
      stepwise.study.edt.t0               | [1.0,0] | stepwise.study.edt.t0 must be > 0 (got 0 from --set stepwise.study.edt.t0)
      stepwise.study.edt.temperatures     | [-0.5] | stepwise.study.edt.temperatures must be >= 0 (got -0.5 from --set stepwise.study.edt.temperatures)
      stepwise.pats.widths.simple         | 0    | stepwise.pats.widths.simple must be >= 1 (got 0 from --set stepwise.pats.widths.simple)
      stepwise.pats.value_bad             | 1.5  | stepwise.pats.value_bad must be in [0, 1] (got 1.5 from --set stepwise.pats.value_bad)
      stepwise.pats.value_low             | 0.9  | stepwise.pats.value_good must be >= stepwise.pats.value_low (got 0.85 < 0.9)
      stepwise.prm.eval_fraction          | 1    | stepwise.prm.eval_fraction must be in [0, 1) (got 1 from --set stepwise.prm.eval_fraction)
      """)
  void aValueOutOfRangeFailsTheLoadNamingTheKey(String key, String value, String message) {
    assertThatThrownBy(() -> StepwiseConfig.load(null, Map.of(key, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessage(message);
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      stepwise.dpo.lr               | 1e300
      stepwise.sampling.temperature | 0
      stepwise.sampling.top_p       | 1
      stepwise.loop.rounds          | 0
      stepwise.sft.steps            | 0
      stepwise.run.seed             | -7
      """)
  void valuesAtTheEdgesLoad(String key, String value) {
    assertThat(StepwiseConfig.load(null, Map.of(key, value)).raw().getDouble(key))
        .isEqualTo(Double.parseDouble(value));
  }

  @Test
  void everyNumberOfTheReferenceHasARange() {
    var reference = StepwiseConfig.reference().raw();
    Set<String> numeric =
        reference.entrySet().stream()
            .filter(e -> e.getValue().valueType() == ConfigValueType.NUMBER)
            .map(Map.Entry::getKey)
            .collect(Collectors.toSet());
    Set<String> ruled =
        ConfigRanges.RULES.stream().map(ConfigRanges.Rule::key).collect(Collectors.toSet());
    ruled.addAll(ConfigRanges.UNBOUNDED);
    ruled.addAll(
        Set.of(
            "stepwise.tasks.max_operations",
            "stepwise.tasks.max_value")); // checked against another key
    assertThat(ruled).containsAll(numeric);
    assertThat(ruled)
        .allSatisfy(
            key ->
                assertThat(reference.hasPath(key))
                    .as(key)
                    .isTrue()); // no rule for a key that does not exist
  }
}
