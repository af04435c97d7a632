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
import dev.stepwise.spark.runtime.StepwiseException;
import java.io.PrintStream;
import java.util.ArrayList;
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

  /** A stage of the plan; round is null for the stages that run once. */
  public record Step(String name, Integer round) {
    @Override
    public String toString() {
      return round == null ? name : name + " (round " + round + ")";
    }
  }

  public static final List<String> STAGES = List.of("tasks", "sft", "search", "pairs", "ref", "dpo", "eval", "align");

  private final RunLayout layout;
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
  SelfRewardLoop(RunLayout layout, SelfRewardConfig config, SyntheticPromptsStage tasks, SftStage sft,
      SearchStage search, PairsStage pairs, RefStage ref, DpoStage dpo, EvalStage eval, AlignStage align) {
    this.layout = layout;
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

  /** Runs every stage of the plan that has not succeeded yet, in order. */
  public void run(PrintStream out) {
    Manifest manifest = Manifest.load(layout);
    for (Step step : plan()) {
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
    boolean perRound = !name.equals("tasks") && !name.equals("sft");
    if (perRound && (round == null || round < 1)) {
      throw new StepwiseException("stage '" + name + "' needs --round R (R >= 1)");
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
      default -> throw new StepwiseException("unknown stage '" + name + "'; stages: " + String.join(", ", STAGES));
    }
  }
}
