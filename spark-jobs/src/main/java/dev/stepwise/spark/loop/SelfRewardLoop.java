package dev.stepwise.spark.loop;

import com.google.inject.Inject;
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
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/**
 * The driver loop of process-based self-rewarding: tasks -> sft (M1) -> eval, then for each
 * round R: search -> pairs -> ref -> dpo (M_{R+1}) -> eval; with align.enabled, question-
 * translation alignment after sft or after the rounds. Every stage records itself in
 * run.json; a rerun skips the stages that already succeeded and resumes at the first one
 * that did not. One stage can also run alone (Airflow runs one per task).
 */
public final class SelfRewardLoop {

  private final RunLayout layout;
  private final LoopPlan plan;
  private final SyntheticPromptsStage tasks;
  private final SftStage sft;
  private final SearchStage search;
  private final PairsStage pairs;
  private final RefStage ref;
  private final DpoStage dpo;
  private final EvalStage eval;
  private final AlignStage align;

  @Inject
  SelfRewardLoop(RunLayout layout, LoopPlan plan, SyntheticPromptsStage tasks, SftStage sft,
      SearchStage search, PairsStage pairs, RefStage ref, DpoStage dpo, EvalStage eval, AlignStage align) {
    this.layout = layout;
    this.plan = plan;
    this.tasks = tasks;
    this.sft = sft;
    this.search = search;
    this.pairs = pairs;
    this.ref = ref;
    this.dpo = dpo;
    this.eval = eval;
    this.align = align;
  }

  public List<LoopPlan.Step> plan() {
    return plan.steps();
  }

  /** The round whose model the plan aligns (align.enabled), if any. */
  public Optional<Integer> alignRound() {
    return plan.alignRound();
  }

  /** Runs every stage of the plan that has not succeeded yet, in order. */
  public void run(PrintStream out) {
    Manifest manifest = Manifest.load(layout);
    for (LoopPlan.Step step : plan()) {
      // Alignment ends with its evaluation: that entry marks it complete.
      String recorded = step.name().equals("align") ? "align_eval" : step.name();
      boolean done = manifest.succeeded(recorded, step.round()).isPresent();
      if (done) {
        out.println("= " + step + ": already done");
        continue;
      }
      out.println("> " + step);
      long started = System.nanoTime();
      runStage(step.name(), step.round());
      out.printf("  %s done in %.0fs%n", step, (System.nanoTime() - started) / 1e9);
    }
  }

  /** Runs one stage (again, replacing its outputs). */
  public void runStage(String name, Integer round) {
    LoopPlan.step(name, round);
    switch (name) {
      case "tasks" -> tasks.run();
      case "sft" -> sft.run();
      case "search" -> search.run(round);
      case "pairs" -> pairs.run(round);
      case "ref" -> ref.run(round);
      case "dpo" -> dpo.run(round);
      case "eval" -> eval.run(round);
      case "align" -> align.run(round);
      default -> throw new IllegalStateException("stage '" + name + "' is in LoopPlan.STAGES but has no runner");
    }
  }
}
