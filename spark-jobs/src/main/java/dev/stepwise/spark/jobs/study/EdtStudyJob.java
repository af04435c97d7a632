package dev.stepwise.spark.jobs.study;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.struct;

import dev.stepwise.eval.HeldOutEval;
import dev.stepwise.eval.SampleScores;
import dev.stepwise.eval.SamplingPoint;
import dev.stepwise.eval.SamplingStudy;
import dev.stepwise.generate.Generator;
import dev.stepwise.sampling.SamplingConfig;
import dev.stepwise.sampling.Seeds;
import dev.stepwise.schemas.Datasets;
import dev.stepwise.schemas.Rows;
import dev.stepwise.spark.config.EdtStudyConfig;
import dev.stepwise.spark.config.PromptsConfig;
import dev.stepwise.spark.config.RunConfig;
import dev.stepwise.spark.config.SelfRewardConfig;
import dev.stepwise.spark.jobs.HeldOutGrading;
import dev.stepwise.spark.jobs.selfreward.SyntheticPromptsStage;
import dev.stepwise.spark.runtime.Checkpoints;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.ExecutorModels;
import dev.stepwise.spark.runtime.Progress;
import dev.stepwise.spark.runtime.RunLayout;
import dev.stepwise.spark.runtime.StageRunner;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.text.PromptTemplates;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

/**
 * `stepwise study edt`: the EDT study (docs/methods.md §C). For every held-out prompt of {@code
 * stepwise.study.edt}, k samples under each fixed temperature and each EDT setting of the grid,
 * sharded over executors (one model load per executor, all of a prompt's samples decoded together);
 * rows into {@code edt_samples}. The driver then scores each strategy: accuracy of each sample,
 * majority vote, distinct answers, Self-BLEU and the EDA-proxy ({@link SampleScores}), and writes
 * reports/edt.md with a chart ({@link EdtReport}).
 */
public final class EdtStudyJob {

  /** One strategy's line of the study. */
  public record Line(
      SamplingPoint point, SampleScores.Score score, double meanTokens, double meanTemperature) {}

  /**
   * @param report the markdown table with its verdict line
   */
  public record Result(
      String modelId, int problems, int samples, List<Line> lines, String report) {}

  /** A problem's samples under one strategy, scored on an executor. */
  private static final StructType PROBLEM_SCORES =
      new StructType()
          .add("strategy", DataTypes.StringType)
          .add("samples", DataTypes.IntegerType)
          .add("correct", DataTypes.IntegerType)
          .add("majority_correct", DataTypes.BooleanType)
          .add("distinct_answers", DataTypes.IntegerType)
          .add("self_bleu", DataTypes.DoubleType);

  private final SparkSession spark;
  private final DatasetIO io;
  private final RunLayout layout;
  private final StageRunner runner;
  private final RunConfig run;
  private final EdtStudyConfig config;
  private final SamplingConfig sampling;
  private final PromptTemplates templates;
  private final SyntheticPromptsStage tasks;

  @Inject
  EdtStudyJob(
      SparkSession spark,
      DatasetIO io,
      RunLayout layout,
      StageRunner runner,
      RunConfig run,
      EdtStudyConfig config,
      SelfRewardConfig selfReward,
      PromptsConfig prompts,
      SyntheticPromptsStage tasks) {
    this.spark = spark;
    this.io = io;
    this.layout = layout;
    this.runner = runner;
    this.run = run;
    this.config = config;
    this.sampling = selfReward.sampling();
    this.templates = prompts.templates();
    this.tasks = tasks;
  }

  /** Studies the checkpoint at {@code model} (an HF directory, any Hadoop URI). */
  public Result run(String model) {
    return runner.run(
        "edt_study",
        null,
        List.of(model),
        stage -> {
          SerializableConfiguration hadoop =
              new SerializableConfiguration(spark.sparkContext().hadoopConfiguration());
          String modelId = Checkpoints.contentId(model, hadoop.value());
          List<Row> problems = problems();
          // By default four tasks per core: progress moves as tasks finish, and the rows do not
          // depend on the partitioning.
          int partitions =
              config.partitions() > 0
                  ? config.partitions()
                  : 4 * spark.sparkContext().defaultParallelism();
          EdtStudyConfig c = config;
          SamplingConfig s = sampling;
          long seed = run.seed();
          try (Progress progress = new Progress(spark, "edt study", problems.size(), System.err)) {
            Progress.Counters counters = progress.counters();
            Dataset<Row> rows =
                spark
                    .createDataFrame(problems, HeldOutGrading.ITEMS)
                    .repartition(Math.max(1, Math.min(partitions, problems.size())))
                    .mapPartitions(
                        (MapPartitionsFunction<Row, Row>)
                            items ->
                                samplePartition(
                                    items, model, modelId, hadoop, c, s, seed, counters),
                        Encoders.row(Datasets.get(Datasets.EDT_SAMPLES).sparkType()));
            io.replacePartitions(
                Datasets.EDT_SAMPLES,
                rows,
                Set.of(DatasetIO.partition(Datasets.EDT_SAMPLES, modelId)));
            stage.metric(
                "tokens_per_second", progress.tokens() / Math.max(progress.seconds(), 1e-9));
            stage.metric("wall_seconds", progress.seconds());
          }
          List<Line> lines = score(modelId);
          String report = EdtReport.write(layout, model, problems.size(), config, sampling, lines);
          stage.output(Datasets.EDT_SAMPLES, io.pathOf(Datasets.EDT_SAMPLES));
          stage.output("reports", layout.reports());
          stage.metric("model_id", modelId);
          stage.metric("problems", problems.size());
          stage.metric("samples", config.samples());
          Map<String, Object> byStrategy = new LinkedHashMap<>();
          for (Line l : lines) {
            byStrategy.put(
                l.point().label(),
                Map.of(
                    "accuracy", l.score().accuracy(),
                    "majority_accuracy", l.score().majorityAccuracy(),
                    "distinct_answers", l.score().distinctAnswers(),
                    "self_bleu", l.score().selfBleu(),
                    "eda_proxy", l.score().eda()));
          }
          stage.metric("strategies", byStrategy);
          EdtReport.Verdict verdict = EdtReport.verdict(lines);
          if (verdict != null) {
            stage.metric("best_fixed", verdict.fixed().point().label());
            stage.metric("best_edt", verdict.edt().point().label());
            stage.metric("edt_gain", verdict.gain());
          }
          return new Result(modelId, problems.size(), config.samples(), lines, report);
        });
  }

  /**
   * The studied prompts as {@link HeldOutGrading#ITEMS} rows: those of {@code
   * stepwise.study.edt.prompts}, ordered by a hash of (run seed, id), the first {@code problems} of
   * them. A run without synthetic prompts gets them from the tasks stage first.
   */
  List<Row> problems() {
    List<Row> selected = selected();
    if (selected.isEmpty() && config.prompts().source().equals(SyntheticPromptsStage.SOURCE)) {
      tasks.run();
      selected = selected();
    }
    if (selected.isEmpty()) {
      throw new StepwiseException(
          "no prompts "
              + config.prompts().describe()
              + " in "
              + layout.root()
              + " ("
              + EdtStudyConfig.PATH
              + ".prompts): import them first");
    }
    long seed = run.seed();
    List<Row> ordered = new ArrayList<>(selected);
    ordered.sort(Seeds.order(seed, (Row r) -> r.getString(0)));
    int n = config.problems() == 0 ? ordered.size() : Math.min(config.problems(), ordered.size());
    List<Row> items = new ArrayList<>();
    for (Row r : ordered.subList(0, n)) {
      items.add(
          HeldOutGrading.item(
              r.getString(1),
              r.getString(2),
              r.getString(3),
              r.getString(0),
              templates.reasoning(r.getString(4)),
              r.getString(5)));
    }
    return items;
  }

  private List<Row> selected() {
    if (!io.exists(Datasets.PROMPTS)) return List.of();
    return io.read(Datasets.PROMPTS)
        .filter(config.prompts().filter())
        .select("id", "source", "split", "lang", "question", "gold")
        .collectAsList();
  }

  private static Iterator<Row> samplePartition(
      Iterator<Row> items,
      String model,
      String modelId,
      SerializableConfiguration hadoop,
      EdtStudyConfig c,
      SamplingConfig s,
      long seed,
      Progress.Counters counters) {
    List<Row> out = new ArrayList<>();
    if (!items.hasNext()) return out.iterator();
    ExecutorModels.Loaded loaded = ExecutorModels.get(model, hadoop.value());
    SamplingStudy study =
        new SamplingStudy(
            new Generator(loaded.model(), loaded.tokenizer()::decode, null, c.batchSize()),
            loaded.chat(),
            c.maxNewTokens(),
            seed,
            c.samples(),
            s.topP(),
            s.edtN());
    while (items.hasNext()) {
      Row r = items.next();
      long started = System.nanoTime();
      long tokens = 0;
      HeldOutEval.Item problem =
          new HeldOutEval.Item(
              r.getAs("prompt_id"), r.getAs("lang"), r.getAs("user_turn"), r.getAs("gold"));
      for (SamplingStudy.Drawn d : study.sample(problem, c.grid())) {
        SamplingPoint p = d.point();
        out.add(
            Rows.of(Datasets.get(Datasets.EDT_SAMPLES))
                .set("model_id", modelId)
                .set("strategy", p.label())
                .set("mode", p.mode())
                .set("temperature", p.temperature())
                .set("t0", p.t0())
                .set("theta", p.theta())
                .set("top_p", s.topP())
                .set("benchmark", r.getAs("benchmark"))
                .set("split", r.getAs("split"))
                .set("lang", r.getAs("lang"))
                .set("prompt_id", problem.id())
                .set("sample", d.sample())
                .set("seed", d.seed())
                .set("output", d.generation().text())
                .set("predicted", d.predicted())
                .set("gold", problem.gold())
                .set("correct", d.correct())
                .set("num_tokens", d.generation().tokens().length)
                .set("mean_temperature", d.meanTemperature())
                .set("mean_entropy", d.meanEntropy())
                .build());
        tokens += d.generation().tokens().length;
      }
      counters.add(1, tokens, System.nanoTime() - started);
    }
    return out.iterator();
  }

  /**
   * Each strategy's scores, in grid order, from the model's rows: every (strategy, prompt) is
   * scored on the executors, so only a few numbers per prompt reach the driver.
   */
  private List<Line> score(String modelId) {
    Dataset<Row> rows = io.read(Datasets.EDT_SAMPLES).filter(col("model_id").equalTo(modelId));
    List<Row> perProblem =
        rows.groupBy("strategy", "prompt_id")
            .agg(collect_list(struct("sample", "predicted", "correct", "output")).as("samples"))
            .map((MapFunction<Row, Row>) EdtStudyJob::scoreProblem, Encoders.row(PROBLEM_SCORES))
            .collectAsList();
    Map<String, List<SampleScores.Problem>> byStrategy = new HashMap<>();
    for (Row p : perProblem) {
      byStrategy
          .computeIfAbsent(p.getString(0), k -> new ArrayList<>())
          .add(
              new SampleScores.Problem(
                  p.getInt(1), p.getInt(2), p.getBoolean(3), p.getInt(4), p.getDouble(5)));
    }
    Map<String, Row> means = new HashMap<>();
    for (Row m :
        rows.groupBy("strategy").agg(avg("num_tokens"), avg("mean_temperature")).collectAsList()) {
      means.put(m.getString(0), m);
    }
    List<Line> lines = new ArrayList<>();
    for (SamplingPoint point : config.grid()) {
      Row m = means.get(point.label());
      lines.add(
          new Line(
              point,
              SampleScores.Score.of(byStrategy.get(point.label())),
              m.getDouble(1),
              m.getDouble(2)));
    }
    return lines;
  }

  private static Row scoreProblem(Row group) {
    List<SampleScores.Sample> samples = new ArrayList<>();
    for (Row s : group.<Row>getList(2)) {
      samples.add(
          new SampleScores.Sample(s.getInt(0), s.getString(1), s.getBoolean(2), s.getString(3)));
    }
    SampleScores.Problem p = SampleScores.Problem.of(samples);
    return Rows.of("problem scores", PROBLEM_SCORES)
        .set("strategy", group.getString(0))
        .set("samples", p.samples())
        .set("correct", p.correct())
        .set("majority_correct", p.majorityCorrect())
        .set("distinct_answers", p.distinctAnswers())
        .set("self_bleu", p.selfBleu())
        .build();
  }
}
