package dev.stepwise.spark.loop;

import dev.stepwise.spark.jobs.multilingual.AlignStage;
import dev.stepwise.spark.jobs.search.PatsJob;
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
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The driver loop of process-based self-rewarding over the stages of {@link LoopPlan}. Every stage
 * records itself in run.json; a rerun skips the stages that already succeeded with the same config
 * and inputs and resumes at the first one that did not. One stage can also run alone (Airflow runs
 * one per task), once the stage it reads from has succeeded.
 */
public final class SelfRewardLoop {

  /** The stages whose outputs later stages read; eval and align only report. */
  private static final Set<String> FEEDS_LATER =
      Set.of("tasks", "sft", "search", "pairs", "ref", "dpo");

  private final RunLayout layout;
  private final StageRunner runner;
  private final LoopPlan plan;
  private final SyntheticPromptsStage tasks;
  private final SftStage sft;
  private final SearchStage search;
  private final PairsStage pairs;
  private final RefStage ref;
  private final DpoStage dpo;
  private final EvalStage eval;
  private final AlignStage align;
  private final PatsJob pats;

  @Inject
  SelfRewardLoop(
      RunLayout layout,
      StageRunner runner,
      LoopPlan plan,
      SyntheticPromptsStage tasks,
      SftStage sft,
      SearchStage search,
      PairsStage pairs,
      RefStage ref,
      DpoStage dpo,
      EvalStage eval,
      AlignStage align,
      PatsJob pats) {
    this.layout = layout;
    this.runner = runner;
    this.plan = plan;
    this.tasks = tasks;
    this.sft = sft;
    this.search = search;
    this.pairs = pairs;
    this.ref = ref;
    this.dpo = dpo;
    this.eval = eval;
    this.align = align;
    this.pats = pats;
  }

  public List<LoopPlan.Step> plan() {
    return plan.steps();
  }

  /** The round whose model the plan aligns (align.enabled), if any. */
  public Optional<Integer> alignRound() {
    return plan.alignRound();
  }

  /**
   * Runs every stage of the plan that has not succeeded, or whose config sections or outside inputs
   * changed since it did (StageRunner#changed), or that is named in {@code force}; once a stage
   * that feeds later ones (tasks, sft, search, pairs, ref, dpo) runs, every later stage runs again
   * too. Each rerun of a finished stage says why.
   */
  public void run(PrintWriter out, Set<String> force) {
    for (String name : force) LoopPlan.requireKnown(name);
    Manifest manifest = Manifest.load(layout);
    String upstream = null;
    for (LoopPlan.Step step : plan()) {
      // Alignment ends with its evaluation: that entry marks it complete.
      String recorded = step.name().equals("align") ? "align_eval" : step.name();
      Optional<StageRecord> done = manifest.succeeded(recorded, step.round());
      String why =
          done.isEmpty()
              ? null
              : upstream != null
                  ? upstream + " ran again"
                  : force.contains(step.name())
                      ? "--force-stage " + step.name()
                      : runner.changed(done.get());
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
    LoopPlan.Step step = LoopPlan.step(name, round);
    Optional<LoopPlan.Step> input = LoopPlan.inputOf(step);
    if (input.isPresent()
        && Manifest.load(layout).succeeded(input.get().name(), input.get().round()).isEmpty()) {
      throw new StepwiseException(
          "stage "
              + step
              + " needs "
              + input.get()
              + ", which has not succeeded in "
              + layout.root()
              + "; run `stepwise "
              + String.join(" ", input.get().stageArgs())
              + "` (or `stepwise run`) first");
    }
    switch (name) {
      case "tasks" -> tasks.run();
      case "sft" -> sft.run();
      case "search" -> search.run(round);
      case "pairs" -> pairs.run(round);
      case "ref" -> ref.run(round);
      case "dpo" -> dpo.run(round);
      case "eval" -> eval.run(round);
      case "align" -> align.run(round);
      case "pats" -> pats.run(round);
      default ->
          throw new IllegalStateException(
              "stage '" + name + "' is in LoopPlan.STAGES but has no runner");
    }
  }
}
