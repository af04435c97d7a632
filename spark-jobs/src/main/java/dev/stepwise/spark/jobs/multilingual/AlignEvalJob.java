package dev.stepwise.spark.jobs.multilingual;

import static org.apache.spark.sql.functions.col;

import dev.stepwise.schemas.Datasets;
import dev.stepwise.spark.config.AlignConfig;
import dev.stepwise.spark.config.SelfRewardConfig;
import dev.stepwise.spark.config.TasksConfig;
import dev.stepwise.spark.jobs.HeldOutGrading;
import dev.stepwise.spark.jobs.selfreward.SyntheticPromptsStage;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.StageRunner;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskExample;
import dev.stepwise.text.ReasoningPrompt;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The spontaneous-alignment table (docs/methods.md §D, §E's MGSM table): greedy accuracy per
 * language of the model before and after QT alignment on the synthetic eval split (all ten
 * languages, parallel problems) and on imported MGSM test prompts when the run has them. Rows go to
 * eval_results (benchmark synthetic|mgsm, model_id before|after); the table groups the trained
 * languages, the unseen ones and the pivot.
 */
public final class AlignEvalJob {

  /** Accuracy of both models on one (benchmark, language). */
  public record Cell(
      String benchmark, String lang, String group, long items, double before, double after) {
    public double delta() {
      return after - before;
    }
  }

  public record Result(int round, String beforeId, String afterId, List<Cell> cells) {
    /**
     * Mean accuracy over the languages of a group ("aligned", "unseen", "pivot") of a benchmark,
     * before and after.
     */
    public double[] mean(String benchmark, String group) {
      List<Cell> in =
          cells.stream()
              .filter(c -> c.benchmark().equals(benchmark) && c.group().equals(group))
              .toList();
      return new double[] {
        in.stream().mapToDouble(Cell::before).average().orElse(Double.NaN),
        in.stream().mapToDouble(Cell::after).average().orElse(Double.NaN)
      };
    }
  }

  static final String MGSM = "mgsm";

  private final SparkSession spark;
  private final DatasetIO io;
  private final StageRunner stages;
  private final AlignConfig align;
  private final TasksConfig tasks;
  private final SelfRewardConfig eval;

  @Inject
  public AlignEvalJob(
      SparkSession spark,
      DatasetIO io,
      StageRunner stages,
      AlignConfig align,
      TasksConfig tasks,
      SelfRewardConfig eval) {
    this.spark = spark;
    this.io = io;
    this.stages = stages;
    this.align = align;
    this.tasks = tasks;
    this.eval = eval;
  }

  /**
   * @param beforeId model_id of the unaligned checkpoint (its path relative to the run)
   * @param afterId model_id of the aligned one
   */
  public Result run(int round, String beforeId, String beforeUri, String afterId, String afterUri) {
    return stages.run(
        "align_eval",
        round,
        List.of(beforeUri, afterUri),
        stage -> {
          List<Row> rows = items();
          Dataset<Row> items = spark.createDataFrame(rows, HeldOutGrading.ITEMS);
          try (HeldOutGrading grading =
              new HeldOutGrading(
                  spark,
                  "align eval round " + round,
                  2L * rows.size(),
                  eval.evalMaxNewTokens(),
                  eval.evalBatchSize(),
                  eval.judgeMode())) {
            Dataset<Row> graded =
                grading
                    .grade(items, beforeUri, beforeId, round)
                    .union(grading.grade(items, afterUri, afterId, round));
            Dataset<Row> kept =
                !io.exists(Datasets.EVAL_RESULTS)
                    ? null
                    : io.read(Datasets.EVAL_RESULTS)
                        .where(
                            col("round")
                                .equalTo(round)
                                .and(col("model_id").isin(beforeId, afterId).unary_$bang()));
            // eval_results is partitioned by round only: keep the partition's other models' rows.
            io.replacePartitions(
                Datasets.EVAL_RESULTS, kept == null ? graded : graded.union(kept), Set.of());
          }
          Result result = table(round, beforeId, afterId);
          stage.output(Datasets.EVAL_RESULTS, io.pathOf(Datasets.EVAL_RESULTS));
          for (String benchmark : List.of(TranslationPairsJob.SYNTHETIC, MGSM)) {
            for (String group : List.of("aligned", "unseen")) {
              double[] m = result.mean(benchmark, group);
              if (!Double.isNaN(m[0]))
                stage.metric(benchmark + "/" + group + "_delta", m[1] - m[0]);
            }
          }
          return result;
        });
  }

  /** HeldOutGrading.ITEMS rows: synthetic eval problems in every language, then MGSM prompts. */
  private List<Row> items() {
    List<Row> items = new ArrayList<>();
    // The eval stage's prompt ids ("synthetic/eval/3/de"), so both evaluations' rows join on
    // prompt_id.
    for (int i = 0; i < align.evalProblems(); i++) {
      for (TaskExample e : tasks.generator().ift(Split.EVAL, i, 1, Language.all())) {
        items.add(
            HeldOutGrading.item(
                TranslationPairsJob.SYNTHETIC,
                e.split(),
                e.lang(),
                SyntheticPromptsStage.promptId(Split.EVAL, i, Language.of(e.lang())),
                e.prompt(),
                e.gold()));
      }
    }
    if (align.evalMgsmPerLanguage() > 0 && io.exists(Datasets.PROMPTS)) {
      List<Row> prompts =
          io.read(Datasets.PROMPTS)
              .where(col("source").equalTo(MGSM))
              .select("id", "lang", "question", "gold", "split")
              .collectAsList();
      for (Row r :
          TranslationPairsJob.firstLinesPerLanguage(prompts, align.evalMgsmPerLanguage())) {
        items.add(
            HeldOutGrading.item(
                MGSM,
                r.getString(4),
                r.getString(1),
                r.getString(0),
                ReasoningPrompt.of(r.getString(2)),
                r.getString(3)));
      }
    }
    return items;
  }

  /** The table of two models' rows in eval_results round R (written by {@link #run}). */
  public Result table(int round, String beforeId, String afterId) {
    Map<String, long[]> counts =
        new LinkedHashMap<>(); // benchmark/lang -> {items, before correct, after correct}
    for (Row r :
        io.read(Datasets.EVAL_RESULTS)
            .where(col("round").equalTo(round).and(col("model_id").isin(beforeId, afterId)))
            .groupBy("benchmark", "lang", "model_id")
            .agg(
                org.apache.spark.sql.functions.count("*"),
                org.apache.spark.sql.functions.sum(col("correct").cast("long")))
            .orderBy("benchmark", "lang")
            .collectAsList()) {
      long[] c = counts.computeIfAbsent(r.getString(0) + "/" + r.getString(1), k -> new long[3]);
      c[0] = r.getLong(3);
      c[r.getString(2).equals(beforeId) ? 1 : 2] = r.getLong(4);
    }
    List<String> aligned = align.languages().stream().map(Language::code).toList();
    List<Cell> cells = new ArrayList<>();
    counts.forEach(
        (key, c) -> {
          String[] parts = key.split("/", 2);
          String group =
              aligned.contains(parts[1])
                  ? "aligned"
                  : parts[1].equals(align.pivot().code()) ? "pivot" : "unseen";
          cells.add(
              new Cell(
                  parts[0], parts[1], group, c[0], c[1] / (double) c[0], c[2] / (double) c[0]));
        });
    cells.sort(
        Comparator.comparing(Cell::benchmark).thenComparing(Cell::group).thenComparing(Cell::lang));
    return new Result(round, beforeId, afterId, cells);
  }
}
