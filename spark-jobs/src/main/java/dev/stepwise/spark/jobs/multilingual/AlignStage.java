package dev.stepwise.spark.jobs.multilingual;

import dev.stepwise.spark.config.AlignConfig;
import dev.stepwise.spark.runtime.RunLayout;
import jakarta.inject.Inject;
import org.apache.hadoop.fs.Path;

/**
 * QT alignment as one step of `stepwise run` (align.enabled, at align.position): translation pairs,
 * then alignment of checkpoints/round=R into checkpoints/align/round=R, then the before/after
 * evaluation.
 */
public final class AlignStage {

  public record Result(
      TranslationPairsJob.Result pairs, AlignJob.Result training, AlignEvalJob.Result eval) {}

  private final RunLayout layout;
  private final AlignConfig config;
  private final TranslationPairsJob pairs;
  private final AlignJob align;
  private final AlignEvalJob eval;

  @Inject
  public AlignStage(
      RunLayout layout,
      AlignConfig config,
      TranslationPairsJob pairs,
      AlignJob align,
      AlignEvalJob eval) {
    this.layout = layout;
    this.config = config;
    this.pairs = pairs;
    this.align = align;
    this.eval = eval;
  }

  public AlignConfig config() {
    return config;
  }

  /** Aligns the checkpoint of {@code round}; returns what each step measured. */
  public Result run(int round) {
    TranslationPairsJob.Result built = pairs.run();
    Path from = layout.checkpoint(round);
    Path out = align.alignedCheckpoint(round);
    AlignJob.Result trained = align.run(from.toString(), out, round);
    AlignEvalJob.Result evaluated =
        eval.run(
            round, layout.relative(from), from.toString(), layout.relative(out), out.toString());
    return new Result(built, trained, evaluated);
  }

  /**
   * The before/after table of a finished {@link #run}, read back from eval_results (a resumed run
   * prints it too).
   */
  public AlignEvalJob.Result evaluation(int round) {
    return eval.table(
        round,
        layout.relative(layout.checkpoint(round)),
        layout.relative(align.alignedCheckpoint(round)));
  }
}
