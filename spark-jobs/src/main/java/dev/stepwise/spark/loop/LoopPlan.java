package dev.stepwise.spark.loop;

import dev.stepwise.spark.config.AlignConfig;
import dev.stepwise.spark.config.PatsConfig;
import dev.stepwise.spark.config.SelfRewardConfig;
import dev.stepwise.spark.runtime.StepwiseException;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The loop's stages in the order they run: tasks -> sft -> eval, then per round R search -> pairs
 * -> ref -> dpo -> eval; with align.enabled, alignment after sft or after the rounds; with
 * pats.in_loop, PATS on the last model. The driver loop, `stepwise stages` and the Airflow DAG all
 * take their stage list from here, and it needs no Spark, so listing and validating stages is
 * instant.
 */
public final class LoopPlan {

  public static final List<String> STAGES =
      List.of("tasks", "sft", "search", "pairs", "ref", "dpo", "eval", "align", "pats");

  /** A stage of the plan; round is null for the stages that run once. */
  public record Step(String name, Integer round) {
    @Override
    public String toString() {
      return round == null ? name : name + " (round " + round + ")";
    }

    /** A name unique in the plan, usable as a scheduler's task id: {@code search_r1}. */
    public String taskId() {
      return round == null ? name : name + "_r" + round;
    }

    /** The arguments of {@code stepwise stage} that run this step alone. */
    public List<String> stageArgs() {
      return round == null
          ? List.of("stage", name)
          : List.of("stage", name, "--round", String.valueOf(round));
    }
  }

  private final SelfRewardConfig config;
  private final AlignConfig align;
  private final PatsConfig pats;

  @Inject
  LoopPlan(SelfRewardConfig config, AlignConfig align, PatsConfig pats) {
    this.config = config;
    this.align = align;
    this.pats = pats;
  }

  public List<Step> steps() {
    List<Step> plan =
        new ArrayList<>(
            List.of(new Step("tasks", null), new Step("sft", null), new Step("eval", 1)));
    // Question-translation alignment (align.enabled) of M1 or of the last model; the rounds
    // go on from the unaligned models, so alignment is compared, not compounded.
    if (align.enabled() && align.position().equals("after_sft")) {
      plan.add(new Step("align", 1));
    }
    for (int r = 1; r <= config.rounds(); r++) {
      for (String name : List.of("search", "pairs", "ref", "dpo")) {
        plan.add(new Step(name, r));
      }
      plan.add(new Step("eval", r + 1));
    }
    if (align.enabled() && align.position().equals("after_rounds")) {
      plan.add(new Step("align", config.rounds() + 1));
    }
    // PATS and its baselines on the last model (pats.in_loop); off by default.
    if (pats.inLoop()) plan.add(new Step("pats", config.rounds() + 1));
    return plan;
  }

  /** The round whose model the plan aligns (align.enabled), if any. */
  public Optional<Integer> alignRound() {
    return steps().stream().filter(s -> s.name().equals("align")).map(Step::round).findFirst();
  }

  /** The step {@code stepwise stage NAME --round R} names, checked against the stage list. */
  public static Step step(String name, Integer round) {
    requireKnown(name);
    boolean perRound = !name.equals("tasks") && !name.equals("sft");
    if (perRound && (round == null || round < 1)) {
      throw new StepwiseException("stage '" + name + "' needs --round R (R >= 1)");
    }
    return new Step(name, perRound ? round : null);
  }

  public static void requireKnown(String name) {
    if (!STAGES.contains(name)) {
      throw new StepwiseException(
          "unknown stage '" + name + "'; stages: " + String.join(", ", STAGES));
    }
  }

  /**
   * The stage whose output this one reads: M_R's maker for search, eval and align (sft for R = 1,
   * else dpo of round R - 1), the round's previous stage for pairs, ref and dpo. Without it a stage
   * would run on nothing and succeed with 0 rows.
   */
  public static Optional<Step> inputOf(Step step) {
    Integer round = step.round();
    return Optional.ofNullable(
        switch (step.name()) {
          case "search", "eval", "align", "pats" ->
              round == 1 ? new Step("sft", null) : new Step("dpo", round - 1);
          case "pairs" -> new Step("search", round);
          case "ref" -> new Step("pairs", round);
          case "dpo" -> new Step("ref", round);
          default -> null;
        });
  }
}
