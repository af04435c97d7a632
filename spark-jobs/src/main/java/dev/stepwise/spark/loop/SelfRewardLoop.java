package dev.stepwise.spark.loop;

import com.google.inject.Inject;
import dev.stepwise.spark.config.SelfRewardConfig;
import dev.stepwise.spark.jobs.multilingual.AlignStage;
import dev.stepwise.spark.jobs.selfreward.DpoStage;
import dev.stepwise.spark.jobs.selfreward.EvalStage;
import dev.stepwise.spark.jobs.selfreward.PairsStage;
import dev.stepwise.spark.jobs.selfreward.RefStage;
import dev.stepwise.spark.jobs.selfreward.SearchStage;
import dev.stepwise.spark.jobs.selfreward.SftStage;
import dev.stepwise.spark.jobs.selfreward.SyntheticPromptsStage;
import dev.stepwise.spark.runtime.Manifest;
import dev.stepwise.spark.runtime.RunLayout;
import dev.stepwise.spark.runtime.StageRecord;
import dev.stepwise.spark.runtime.StageRunner;
import dev.stepwise.spark.runtime.StepwiseException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The driver loop of process-based self-rewarding: tasks -> sft (M1) -> eval, then for each
 * round R: search -> pairs -> ref -> dpo (M_{R+1}) -> eval; with align.enabled, question-
 * translation alignment after sft or after the rounds. Every stage records itself in
 * run.json; a rerun skips the stages that already succeeded with the same config and inputs
 * and resumes at the first one that did not. One stage can also run alone (Airflow runs one
 * per task), once the stage it reads from has succeeded.
 */
public final class SelfRewardLoop {

  /** A stage of the plan; round is null for the stages that run once. */
  public record Step(String name, Integer round) {
    @Override
    public String toString() {
      return round == null ? name : name + " (round " + round + ")";
    }
  }

  public static final List<String> STAGES = List.of("tasks", "sft", "search", "pairs", "ref", "dpo", "eval", "align");
  /** The stages whose outputs later stages read; eval and align only report. */
  private static final Set<String> FEEDS_LATER = Set.of("tasks", "sft", "search", "pairs", "ref", "dpo");

  private final RunLayout layout;
  private final StageRunner runner;
  private final SelfRewardConfig config;
  private final SyntheticPromptsStage tasks;
  private final SftStage sft;
  private final SearchStage search;
  private final PairsStage pairs;
  private final RefStage ref;
  private final DpoStage dpo;
  private final EvalStage eval;
  private final AlignStage align;

  @Inject
  SelfRewardLoop(RunLayout layout, StageRunner runner, SelfRewardConfig config, SyntheticPromptsStage tasks, SftStage sft,
      SearchStage search, PairsStage pairs, RefStage ref, DpoStage dpo, EvalStage eval, AlignStage align) {
    this.layout = layout;
    this.runner = runner;
    this.config = config;
    this.tasks = tasks;
    this.sft = sft;
    this.search = search;
    this.pairs = pairs;
    this.ref = ref;
    this.dpo = dpo;
    this.eval = eval;
    this.align = align;
  }

  public List<Step> plan() {
    List<Step> plan = new ArrayList<>(List.of(new Step("tasks", null), new Step("sft", null), new Step("eval", 1)));
    // Question-translation alignment (align.enabled) of M1 or of the last model; the rounds
    // go on from the unaligned models, so alignment is compared, not compounded.
    if (align.config().enabled() && align.config().position().equals("after_sft")) {
      plan.add(new Step("align", 1));
    }
    for (int r = 1; r <= config.rounds(); r++) {
      for (String name : List.of("search", "pairs", "ref", "dpo")) {
        plan.add(new Step(name, r));
      }
      plan.add(new Step("eval", r + 1));
    }
    if (align.config().enabled() && align.config().position().equals("after_rounds")) {
      plan.add(new Step("align", config.rounds() + 1));
    }
    return plan;
  }

  /** The round whose model the plan aligns (align.enabled), if any. */
  public Optional<Integer> alignRound() {
    return plan().stream().filter(s -> s.name().equals("align")).map(Step::round).findFirst();
  }

  /**
   * Runs every stage of the plan that has not succeeded, or whose config sections or outside
   * inputs changed since it did (StageRunner#changed), or that is named in {@code force}; once
   * a stage that feeds later ones (tasks, sft, search, pairs, ref, dpo) runs, every later stage
   * runs again too. Each rerun of a finished stage says why.
   */
  public void run(PrintWriter out, Set<String> force) {
    for (String name : force) requireKnown(name);
    Manifest manifest = Manifest.load(layout);
    String upstream = null;
    for (Step step : plan()) {
      // Alignment ends with its evaluation: that entry marks it complete.
      String recorded = step.name().equals("align") ? "align_eval" : step.name();
      Optional<StageRecord> done = manifest.succeeded(recorded, step.round());
      String why = done.isEmpty() ? null : upstream != null ? upstream + " ran again"
          : force.contains(step.name()) ? "--force-stage " + step.name() : runner.changed(done.get());
      if (done.isPresent() && why == null) {
        out.println("= " + step + ": already done");
        out.flush();
        continue;
      }
      out.println("> " + step + (why == null ? "" : " (again: " + why + ")"));
      out.flush();
      long started = System.nanoTime();
      runStage(step.name(), step.round());
      out.printf("  %s done in %.0fs%n", step, (System.nanoTime() - started) / 1e9);
      out.flush();
      if (upstream == null && FEEDS_LATER.contains(step.name())) upstream = step.toString();
    }
  }

  /** Runs one stage (again, replacing its outputs), once the stage it reads from has succeeded. */
  public void runStage(String name, Integer round) {
    requireKnown(name);
    boolean perRound = !name.equals("tasks") && !name.equals("sft");
    if (perRound && (round == null || round < 1)) {
      throw new StepwiseException("stage '" + name + "' needs --round R (R >= 1)");
    }
    requireInput(name, round);
    switch (name) {
      case "tasks" -> tasks.run();
      case "sft" -> sft.run();
      case "search" -> search.run(round);
      case "pairs" -> pairs.run(round);
      case "ref" -> ref.run(round);
      case "dpo" -> dpo.run(round);
      case "eval" -> eval.run(round);
      case "align" -> align.run(round);
      default -> throw new IllegalStateException(name);
    }
  }

  private static void requireKnown(String name) {
    if (!STAGES.contains(name)) {
      throw new StepwiseException("unknown stage '" + name + "'; stages: " + String.join(", ", STAGES));
    }
  }

  /**
   * The stage whose output this one reads: M_R's maker for search, eval and align (sft for
   * R = 1, else dpo of round R - 1), the round's previous stage for pairs, ref and dpo. Without
   * it a stage would run on nothing and succeed with 0 rows.
   */
  private void requireInput(String name, Integer round) {
    Step input = switch (name) {
      case "search", "eval", "align" -> round == 1 ? new Step("sft", null) : new Step("dpo", round - 1);
      case "pairs" -> new Step("search", round);
      case "ref" -> new Step("pairs", round);
      case "dpo" -> new Step("ref", round);
      default -> null;
    };
    if (input != null && Manifest.load(layout).succeeded(input.name(), input.round()).isEmpty()) {
      String flag = input.round() == null ? "" : " --round " + input.round();
      throw new StepwiseException("stage " + new Step(name, round) + " needs " + input + ", which has not succeeded in "
          + layout.root() + "; run `stepwise stage " + input.name() + flag + "` (or `stepwise run`) first");
    }
  }
}
