package dev.stepwise.spark.jobs.search;

import static org.apache.spark.sql.functions.col;

import dev.stepwise.generate.Generator;
import dev.stepwise.sampling.Seeds;
import dev.stepwise.schemas.Datasets;
import dev.stepwise.schemas.Rows;
import dev.stepwise.search.PatsMethod;
import dev.stepwise.search.PatsSearch;
import dev.stepwise.search.Prm;
import dev.stepwise.selfreward.ModelStepProposer;
import dev.stepwise.selfreward.SearchPrompt;
import dev.stepwise.spark.config.PatsConfig;
import dev.stepwise.spark.config.PrmConfig;
import dev.stepwise.spark.config.PromptsConfig;
import dev.stepwise.spark.config.RunConfig;
import dev.stepwise.spark.jobs.selfreward.SearchStage;
import dev.stepwise.spark.runtime.Checkpoints;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.ExecutorModels;
import dev.stepwise.spark.runtime.Progress;
import dev.stepwise.spark.runtime.RunLayout;
import dev.stepwise.spark.runtime.StageRunner;
import dev.stepwise.spark.runtime.TaskPlacement;
import dev.stepwise.text.Answers;
import dev.stepwise.text.PromptTemplates;
import jakarta.inject.Inject;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;
import scala.jdk.javaapi.CollectionConverters;

/**
 * PATS and its baselines (docs/methods.md §B) with M_R as the policy, as the {@code pats} stage of
 * round R and {@code stepwise pats}: the problems of stepwise.pats.prompts, sharded across
 * executors (one policy and one PRM load per executor JVM), every method on every problem. Writes
 * {@code search_traces/round=R} (a row per step iteration, with the problem's answer, correctness
 * and total tokens) and reports/pats.md with its chart.
 */
public final class PatsJob {

  private final SparkSession spark;
  private final DatasetIO io;
  private final RunLayout layout;
  private final StageRunner runner;
  private final RunConfig run;
  private final PatsConfig config;
  private final PrmConfig prm;
  private final PromptsConfig templates;

  @Inject
  PatsJob(
      SparkSession spark,
      DatasetIO io,
      RunLayout layout,
      StageRunner runner,
      RunConfig run,
      PatsConfig config,
      PrmConfig prm,
      PromptsConfig templates) {
    this.spark = spark;
    this.io = io;
    this.layout = layout;
    this.runner = runner;
    this.run = run;
    this.config = config;
    this.prm = prm;
    this.templates = templates;
  }

  /** Runs the stage; returns the report. */
  public PatsReport run(int round) {
    String model = layout.checkpoint(round).toString();
    List<String> inputs = new ArrayList<>(List.of(model));
    if (!config.selfJudging()) inputs.add(config.prm());
    return runner.run(
        "pats",
        round,
        inputs,
        stage -> {
          Dataset<Row> problems = problems();
          long total = problems.count() * config.methods().size();
          int partitions =
              config.partitions() > 0
                  ? config.partitions()
                  : spark.sparkContext().defaultParallelism();
          SerializableConfiguration hadoop =
              new SerializableConfiguration(spark.sparkContext().hadoopConfiguration());
          String modelId = Checkpoints.contentId(model, hadoop.value());
          String scorer = config.selfJudging() ? model : config.prm();
          String scorerId =
              config.selfJudging()
                  ? "self:" + modelId
                  : Checkpoints.contentId(config.prm(), hadoop.value());
          Settings settings =
              new Settings(
                  model,
                  modelId,
                  scorer,
                  scorerId,
                  config,
                  prm,
                  templates.templates(),
                  run.seed(),
                  round,
                  hadoop);
          CollectionAccumulator<String> placements =
              spark.sparkContext().collectionAccumulator("pats task placements");
          LongAccumulator scorings = spark.sparkContext().longAccumulator("pats prm scorings");
          try (Progress progress = new Progress(spark, "pats round " + round, total, System.err)) {
            Progress.Counters counters = progress.counters();
            Dataset<Row> traces =
                problems
                    .repartition(partitions)
                    .mapPartitions(
                        (MapPartitionsFunction<Row, Row>)
                            rows -> {
                              if (rows.hasNext()) placements.add(TaskPlacement.current());
                              return searchPartition(rows, settings, counters, scorings).iterator();
                            },
                        Encoders.row(Datasets.get(Datasets.SEARCH_TRACES).sparkType()));
            io.replacePartitions(
                Datasets.SEARCH_TRACES,
                traces,
                Set.of(DatasetIO.partition(Datasets.SEARCH_TRACES, Integer.toString(round))));
            PatsReport report = PatsReport.of(written(round), scorerId);
            report.write(layout);
            stage.output(Datasets.SEARCH_TRACES, io.pathOf(Datasets.SEARCH_TRACES));
            stage.metric("problems", problems.count());
            stage.metric("methods", report.methodMetrics());
            stage.metric("pats_modes", report.modeMetrics());
            stage.metric("prm", scorerId);
            stage.metric("prm_scorings", scorings.value());
            progress.recordIn(stage, placements.value());
            return report;
          }
        });
  }

  /** The rows the stage wrote for round R. */
  private List<Row> written(int round) {
    return io.read(Datasets.SEARCH_TRACES)
        .filter(col("round").equalTo(round))
        .select(
            "method",
            "prompt_id",
            "lang",
            "iteration",
            "mode",
            "action",
            "chosen_score",
            "correct",
            "total_tokens")
        .collectAsList();
  }

  /**
   * The problems of stepwise.pats.prompts: all, or the first {@code problems} parallel ids in the
   * seeded order, each in every language it has.
   */
  Dataset<Row> problems() {
    SearchStage.Selected selected =
        SearchStage.Selected.of(io, layout, config.prompts(), "stepwise.pats.prompts");
    List<String> ids = selected.parallelIds();
    if (config.problems() == 0 || config.problems() >= ids.size()) return selected.rows();
    SearchStage.seededOrder(ids, run.seed());
    return selected
        .rows()
        .filter(col("parallel_id").isin(ids.subList(0, config.problems()).toArray()));
  }

  /** What every task needs, serializable. */
  private record Settings(
      String model,
      String modelId,
      String scorer,
      String scorerId,
      PatsConfig pats,
      PrmConfig prm,
      PromptTemplates templates,
      long seed,
      int round,
      SerializableConfiguration hadoop)
      implements Serializable {}

  private static List<Row> searchPartition(
      Iterator<Row> rows, Settings s, Progress.Counters counters, LongAccumulator scorings) {
    List<Row> out = new ArrayList<>();
    if (!rows.hasNext()) return out;
    PatsConfig c = s.pats();
    ExecutorModels.Loaded policy = ExecutorModels.get(s.model(), s.hadoop().value());
    ExecutorModels.Loaded scorer =
        s.scorer().equals(s.model()) ? policy : ExecutorModels.get(s.scorer(), s.hadoop().value());
    Generator generator =
        new Generator(policy.model(), policy.tokenizer()::decode, null, c.generationBatch());
    Prm prm =
        s.scorer().equals(s.model())
            ? s.prm().selfJudge(policy.model(), policy.chat())
            : s.prm()
                .prm(
                    scorer.model(),
                    scorer.chat(),
                    new Generator(
                        scorer.model(), scorer.tokenizer()::decode, null, c.generationBatch()));
    PatsSearch search =
        new PatsSearch(
            c.settings(),
            new ModelStepProposer(
                generator,
                policy.chat(),
                s.templates(),
                c.sampler(),
                c.maxStepTokens(),
                c.layout()),
            prm);
    // Sorted by id, so a batch holds the same problems whatever order the partition has.
    List<SearchPrompt> all = new ArrayList<>();
    while (rows.hasNext()) {
      Row r = rows.next();
      String id = r.getAs("id");
      all.add(
          new SearchPrompt(
              id,
              r.getAs("lang"),
              r.getAs("question"),
              r.getAs("gold"),
              Seeds.mix(s.seed(), s.round(), id.hashCode())));
    }
    all.sort(Comparator.comparing(SearchPrompt::id));
    for (int from = 0; from < all.size(); from += c.batchPrompts()) {
      List<SearchPrompt> batch = all.subList(from, Math.min(all.size(), from + c.batchPrompts()));
      for (PatsMethod method : c.methods()) {
        long started = System.nanoTime();
        long tokens = 0;
        for (PatsSearch.Outcome o : search.run(batch, method)) {
          out.addAll(traceRows(o, s, c));
          tokens += o.tokens();
          scorings.add(o.prmScorings());
        }
        counters.add(batch.size(), tokens, System.nanoTime() - started);
      }
    }
    return out;
  }

  private static List<Row> traceRows(PatsSearch.Outcome o, Settings s, PatsConfig c) {
    String text = String.join("\n", o.steps());
    String gold = o.prompt().gold();
    String predicted = Answers.extract(text).orElse(null);
    Boolean correct = gold == null ? null : Answers.isCorrect(text, gold);
    List<Row> rows = new ArrayList<>();
    for (PatsSearch.Iteration it : o.iterations()) {
      rows.add(
          Rows.of(Datasets.get(Datasets.SEARCH_TRACES))
              .set("round", s.round())
              .set("prompt_id", o.prompt().id())
              .set("model_id", s.modelId())
              .set("scorer_id", s.scorerId())
              .set("method", o.method().label())
              .set("iteration", it.iteration())
              .set("step_index", it.stepIndex())
              .set("mode", it.mode().label())
              .set("width", it.width())
              .set("temperature", c.temperature())
              .set("candidates", CollectionConverters.asScala(it.kept()).toList())
              .set("scores", CollectionConverters.asScala(it.scores()).toList())
              .set("chosen_index", it.chosen() < 0 ? null : it.chosen())
              .set("chosen_score", it.chosenScore())
              .set("action", it.action())
              .set("bad_count", it.badCount())
              .set("tokens_sampled", it.tokens())
              .set("lang", o.prompt().lang())
              .set("predicted", predicted)
              .set("gold", gold)
              .set("correct", correct)
              .set("finished", o.finished())
              .set("total_tokens", o.tokens())
              .build());
    }
    return rows;
  }
}
