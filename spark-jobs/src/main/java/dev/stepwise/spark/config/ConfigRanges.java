package dev.stepwise.spark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.DoublePredicate;

/**
 * The allowed range of every number in the configuration, checked when it loads: a negative
 * learning rate or {@code eval.batch_size = 0} stops the command at once, naming the key ({@code
 * stepwise.dpo.lr must be > 0 (got -1.0)}), instead of failing minutes later inside a Spark task,
 * or being accepted and producing an empty report.
 */
final class ConfigRanges {

  private ConfigRanges() {}

  /** A bound on one key (on each element when the key is a list of numbers). */
  record Rule(String key, String bound, DoublePredicate ok) {}

  /** Numbers any value of which is fine. */
  static final Set<String> UNBOUNDED = Set.of("stepwise.run.seed", "stepwise.tasks.seed");

  static final List<Rule> RULES = rules();

  private static List<Rule> rules() {
    List<Rule> r = new ArrayList<>();
    atLeast(
        r,
        0,
        "spark.min_executors",
        "sft.steps",
        "sft.epochs",
        "sft.save_every",
        "sft.policy_eft.problems",
        "tasks.train_problems",
        "tasks.eft_problems",
        "tasks.eval_problems",
        "tasks.eft_test_problems",
        "loop.rounds",
        "search.max_rollbacks",
        "search.partitions",
        "sampling.temperature",
        "sampling.top_k",
        "sampling.edt_theta",
        "pairs.min_margin",
        "dpo.sft_weight",
        "sft.data.max_ift",
        "sft.data.max_eft",
        "align.synthetic_problems",
        "align.eval_problems",
        "align.eval_mgsm_per_language",
        "neurons.lambda_max",
        "neurons.stages",
        "neurons.partitions",
        "study.edt.problems",
        "study.edt.partitions",
        "study.edt.temperatures",
        "study.edt.theta",
        "prm.train_problems",
        "prm.check_tokens",
        "prm.eval_problems",
        "pats.problems",
        "pats.penalty_times",
        "pats.partitions");
    atLeast(
        r,
        1,
        "import.max_chars",
        "tasks.min_operations",
        "sft.threads",
        "sft.length_window",
        "sft.log_every",
        "search.prompts_per_round",
        "search.max_iterations",
        "search.max_step_tokens",
        "search.max_judge_tokens",
        "search.batch_prompts",
        "search.generation_batch",
        "search.prefix_cache_mb",
        "train.workers",
        "train.sync_every",
        "eval.max_new_tokens",
        "eval.batch_size",
        "neurons.problems_per_language",
        "neurons.max_new_tokens",
        "neurons.batch_size",
        "study.edt.max_new_tokens",
        "study.edt.batch_size",
        "prm.batch_size",
        "prm.threads",
        "pats.widths.complex",
        "pats.widths.medium",
        "pats.widths.simple",
        "pats.max_iterations",
        "pats.max_step_tokens",
        "pats.batch_prompts",
        "pats.generation_batch");
    atLeast(
        r,
        2,
        "tasks.max_number",
        "tasks.max_factor",
        "sft.policy_eft.candidates",
        "search.candidates",
        "study.edt.samples");
    above(
        r,
        0,
        "sft.policy_eft.temperature",
        "sampling.edt_t0",
        "dpo.beta",
        "neurons.lambda_tol",
        "study.edt.t0",
        "pats.temperature");
    r.add(new Rule("stepwise.pats.top_p", "in (0, 1]", v -> v > 0 && v <= 1));
    for (String key : List.of("value_good", "value_low", "value_bad"))
      r.add(new Rule("stepwise.pats." + key, "in [0, 1]", v -> v >= 0 && v <= 1));
    r.add(new Rule("stepwise.prm.eval_fraction", "in [0, 1)", v -> v >= 0 && v < 1));
    for (String section : List.of("sft", "dpo", "align", "prm.train")) {
      atLeast(
          r,
          0,
          section + ".steps",
          section + ".epochs",
          section + ".max_grad_norm",
          section + ".weight_decay");
      atLeast(r, 1, section + ".batch_size", section + ".gradient_accumulation");
      above(r, 0, section + ".lr");
      r.add(new Rule("stepwise." + section + ".warmup_ratio", "in [0, 1]", v -> v >= 0 && v <= 1));
      r.add(new Rule("stepwise." + section + ".min_lr_ratio", "in [0, 1]", v -> v >= 0 && v <= 1));
    }
    atLeast(r, 1, "train.lora.r");
    above(r, 0, "train.lora.alpha");
    r.add(new Rule("stepwise.train.lora.dropout", "in [0, 1)", v -> v >= 0 && v < 1));
    r.add(new Rule("stepwise.eval.imported_per_language", ">= -1 (-1: all)", v -> v >= -1));
    r.add(new Rule("stepwise.sampling.top_p", "in (0, 1]", v -> v > 0 && v <= 1));
    r.add(new Rule("stepwise.sampling.edt_n", "in (0, 1)", v -> v > 0 && v < 1));
    r.add(new Rule("stepwise.neurons.rate", "in (0, 1]", v -> v > 0 && v <= 1));
    r.add(new Rule("stepwise.neurons.tau_percentile", "in [0, 100]", v -> v >= 0 && v <= 100));
    return List.copyOf(r);
  }

  private static void atLeast(List<Rule> rules, double min, String... keys) {
    for (String key : keys)
      rules.add(new Rule("stepwise." + key, ">= " + (long) min, v -> v >= min));
  }

  private static void above(List<Rule> rules, double min, String... keys) {
    for (String key : keys) rules.add(new Rule("stepwise." + key, "> " + (long) min, v -> v > min));
  }

  /**
   * Throws a ConfigException naming the first key out of its range, or one out of order with
   * another.
   */
  static void check(Config config) {
    for (Rule rule : RULES) {
      if (!config.hasPath(rule.key())) continue;
      ConfigValue value = config.getValue(rule.key());
      List<? extends Number> numbers =
          value.valueType() == ConfigValueType.LIST
              ? config.getNumberList(rule.key())
              : List.of(config.getNumber(rule.key()));
      for (Number n : numbers) {
        // NaN fails every bound: "lr = NaN" is out of range, not a default.
        if (!rule.ok().test(n.doubleValue()) || Double.isInfinite(n.doubleValue())) {
          throw new ConfigException.Generic(
              rule.key()
                  + " must be "
                  + rule.bound()
                  + " (got "
                  + n
                  + " from "
                  + value.origin().description()
                  + ")");
        }
      }
    }
    notBelow(config, "stepwise.tasks.max_operations", "stepwise.tasks.min_operations");
    notBelow(config, "stepwise.tasks.max_value", "stepwise.tasks.max_number");
    notBelow(config, "stepwise.pats.value_good", "stepwise.pats.value_low");
    notBelow(config, "stepwise.pats.value_low", "stepwise.pats.value_bad");
  }

  private static void notBelow(Config config, String key, String other) {
    Number value = config.getNumber(key), bound = config.getNumber(other);
    if (value.doubleValue() < bound.doubleValue()) {
      throw new ConfigException.Generic(
          key + " must be >= " + other + " (got " + value + " < " + bound + ")");
    }
  }
}
