package dev.stepwise.spark.jobs.selfreward;

import static org.apache.spark.sql.functions.col;

import dev.stepwise.generate.Generator;
import dev.stepwise.sampling.Seeds;
import dev.stepwise.schemas.DatasetSchema;
import dev.stepwise.schemas.Datasets;
import dev.stepwise.schemas.Rows;
import dev.stepwise.selfreward.JudgedCandidate;
import dev.stepwise.selfreward.ModelPairJudge;
import dev.stepwise.selfreward.ModelStepProposer;
import dev.stepwise.selfreward.SearchOutcome;
import dev.stepwise.selfreward.SearchPrompt;
import dev.stepwise.selfreward.StepRound;
import dev.stepwise.selfreward.StepSearch;
import dev.stepwise.spark.config.PromptsConfig;
import dev.stepwise.spark.config.RunConfig;
import dev.stepwise.spark.config.SearchPromptsConfig;
import dev.stepwise.spark.config.SelfRewardConfig;
import dev.stepwise.spark.runtime.Checkpoints;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.ExecutorModels;
import dev.stepwise.spark.runtime.Progress;
import dev.stepwise.spark.runtime.RunLayout;
import dev.stepwise.spark.runtime.StageRunner;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.spark.runtime.TaskPlacement;
import dev.stepwise.text.Answers;
import dev.stepwise.text.PromptTemplates;
import jakarta.inject.Inject;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.SerializableConfiguration;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Stage "search" of round R: step-wise search with self-judging by M_R (docs/methods.md §A.5) over
 * the round's slice of train prompts, sharded across executors. Writes {@code solutions} and {@code
 * step_judgments} (every candidate of every iteration, with its wins and the judge's text).
 */
public final class SearchStage {

  /** What one partition produced, before it is split into the two datasets. */
  public record Searched(List<Row> solutions, List<Row> judgments) implements Serializable {
    /** Solutions whose answer matched the gold one. */
    long solved() {
      // Rows built by hand carry no schema: the column is found by its place in the dataset's.
      int correct = Datasets.get(Datasets.SOLUTIONS).sparkType().fieldIndex("correct");
      return solutions.stream().filter(r -> Boolean.TRUE.equals(r.get(correct))).count();
    }
  }

  private final SparkSession spark;
  private final DatasetIO io;
  private final RunLayout layout;
  private final StageRunner runner;
  private final RunConfig run;
  private final SelfRewardConfig config;
  private final SearchPromptsConfig prompts;
  private final PromptsConfig templates;

  @Inject
  SearchStage(
      SparkSession spark,
      DatasetIO io,
      RunLayout layout,
      StageRunner runner,
      RunConfig run,
      SelfRewardConfig config,
      SearchPromptsConfig prompts,
      PromptsConfig templates) {
    this.spark = spark;
    this.io = io;
    this.layout = layout;
    this.runner = runner;
    this.run = run;
    this.config = config;
    this.prompts = prompts;
    this.templates = templates;
  }

  public void run(int round) {
    String model = layout.checkpoint(round).toString();
    runner.run(
        "search",
        round,
        List.of(model),
        stage -> {
          Dataset<Row> prompts = roundPrompts(round);
          long total = prompts.count();
          int partitions =
              config.partitions() > 0
                  ? config.partitions()
                  : spark.sparkContext().defaultParallelism();
          SerializableConfiguration hadoop =
              new SerializableConfiguration(spark.sparkContext().hadoopConfiguration());
          SelfRewardConfig c = config;
          PromptTemplates templates = this.templates.templates();
          long seed = run.seed();
          String modelId = Checkpoints.contentId(model, hadoop.value());
          CollectionAccumulator<String> placements =
              spark.sparkContext().collectionAccumulator("search task placements");
          try (Progress progress =
              new Progress(spark, "search round " + round, total, System.err)) {
            Progress.Counters counters = progress.counters();
            // Kept as objects (an RDD in memory, not a Dataset of serialized values), so the
            // two writes and the count read them without deserializing every row again.
            JavaRDD<Searched> searched =
                prompts
                    .repartition(partitions)
                    .javaRDD()
                    .mapPartitions(
                        rows -> {
                          if (rows.hasNext()) placements.add(TaskPlacement.current());
                          return List.of(
                                  searchPartition(
                                      rows, model, modelId, hadoop, c, templates, seed, round,
                                      counters))
                              .iterator();
                        })
                    .persist(StorageLevel.MEMORY_AND_DISK());
            long solved;
            try {
              // Both datasets are written at the same time; the search runs once, into the cache,
              // for whichever write's task reaches a partition first (the other waits for it).
              io.replacePartitions(
                  List.of(
                      write(Datasets.SOLUTIONS, searched, Searched::solutions, round),
                      write(Datasets.STEP_JUDGMENTS, searched, Searched::judgments, round)));
              solved = searched.map(Searched::solved).reduce(Long::sum);
            } finally {
              searched.unpersist();
            }
            stage.output(Datasets.SOLUTIONS, io.pathOf(Datasets.SOLUTIONS));
            stage.output(Datasets.STEP_JUDGMENTS, io.pathOf(Datasets.STEP_JUDGMENTS));
            stage.metric("prompts", total);
            stage.metric("solved", solved);
            progress.recordIn(stage, placements.value());
          }
          return null;
        });
  }

  /**
   * The round's prompts: those of stepwise.search.prompts (source, split, languages), ordered by a
   * seeded hash of their parallel id, round R taking the R-th slice of {@code prompts_per_round}
   * problems, so rounds search disjoint problems while the set lasts.
   */
  Dataset<Row> roundPrompts(int round) {
    Selected train = Selected.of(io, layout, prompts, "stepwise.search.prompts");
    List<String> ids = train.parallelIds();
    seededOrder(ids, run.seed());
    int from = ((round - 1) * config.promptsPerRound()) % ids.size();
    List<String> slice = new ArrayList<>();
    for (int i = 0; i < Math.min(config.promptsPerRound(), ids.size()); i++) {
      slice.add(ids.get((from + i) % ids.size()));
    }
    return train.rows().filter(col("parallel_id").isin(slice.toArray()));
  }

  /** The prompts of a source, split and languages, and their distinct parallel ids. */
  public record Selected(Dataset<Row> rows, List<String> parallelIds) {

    /**
     * @param key the config section that names them, for the error when there are none
     */
    public static Selected of(
        DatasetIO io, RunLayout layout, SearchPromptsConfig prompts, String key) {
      Dataset<Row> rows =
          io.exists(Datasets.PROMPTS) ? io.read(Datasets.PROMPTS).filter(prompts.filter()) : null;
      List<String> ids =
          rows == null
              ? List.of()
              : new ArrayList<>(
                  rows.select("parallel_id").distinct().as(Encoders.STRING()).collectAsList());
      if (ids.isEmpty()) {
        throw new StepwiseException(
            "no prompts "
                + prompts.describe()
                + " in "
                + layout.root()
                + " ("
                + key
                + "): run the tasks stage or import them first");
      }
      return new Selected(rows, ids);
    }
  }

  /**
   * Sorts parallel ids by a hash of (run seed, id), the order prompts are sampled in whatever order
   * Spark returned them.
   */
  public static void seededOrder(List<String> ids, long seed) {
    ids.sort(Seeds.order(seed, id -> id));
  }

  private DatasetIO.Write write(
      String dataset, JavaRDD<Searched> searched, SerializableFunction extract, int round) {
    Dataset<Row> rows =
        spark.createDataFrame(
            searched.flatMap(s -> extract.apply(s).iterator()), Datasets.get(dataset).sparkType());
    return new DatasetIO.Write(
        dataset, rows, Set.of(DatasetIO.partition(dataset, Integer.toString(round))));
  }

  @FunctionalInterface
  interface SerializableFunction extends Serializable {
    List<Row> apply(Searched searched);
  }

  private static Searched searchPartition(
      Iterator<Row> rows,
      String model,
      String modelId,
      SerializableConfiguration hadoop,
      SelfRewardConfig c,
      PromptTemplates templates,
      long seed,
      int round,
      Progress.Counters counters) {
    List<Row> solutions = new ArrayList<>();
    List<Row> judgments = new ArrayList<>();
    if (!rows.hasNext()) {
      return new Searched(solutions, judgments);
    }
    ExecutorModels.Loaded loaded = ExecutorModels.get(model, hadoop.value());
    // The executor's prefix cache: the next step extends this step's prefixes, whichever task
    // of this JVM computed them.
    Generator generator =
        new Generator(
            loaded.model(),
            loaded.tokenizer()::decode,
            null,
            c.generationBatch(),
            c.sharePrefix() ? loaded.prefixes() : null);
    StepSearch search =
        new StepSearch(
            c.search(),
            new ModelStepProposer(
                generator, loaded.chat(), templates, c.sampling().strategy(), c.maxStepTokens()),
            new ModelPairJudge(
                generator, loaded.chat(), templates, c.maxJudgeTokens(), c.judgeMode()));
    searchBatches(rows, search, solutions, judgments, c, seed, round, modelId, counters);
    return new Searched(solutions, judgments);
  }

  private static void searchBatches(
      Iterator<Row> rows,
      StepSearch search,
      List<Row> solutions,
      List<Row> judgments,
      SelfRewardConfig c,
      long seed,
      int round,
      String modelId,
      Progress.Counters counters) {
    List<SearchPrompt> batch = new ArrayList<>();
    while (rows.hasNext()) {
      Row r = rows.next();
      String id = r.getAs("id");
      batch.add(
          new SearchPrompt(
              id,
              r.getAs("lang"),
              r.getAs("question"),
              r.getAs("gold"),
              Seeds.mix(seed, round, id.hashCode())));
      if (batch.size() == c.batchPrompts() || !rows.hasNext()) {
        long started = System.nanoTime();
        List<SearchOutcome> outcomes = search.run(batch);
        long tokens = 0;
        for (SearchOutcome o : outcomes) {
          solutions.add(solutionRow(o, round, modelId));
          judgments.addAll(judgmentRows(o, round, modelId));
          tokens += o.tokensSampled();
        }
        counters.add(batch.size(), tokens, System.nanoTime() - started);
        batch.clear();
      }
    }
  }

  /** Array columns of rows built by hand must be Scala sequences for Spark's row encoder. */
  private static <T> Seq<T> seq(List<T> values) {
    return CollectionConverters.asScala(values).toList();
  }

  private static Row solutionRow(SearchOutcome o, int round, String modelId) {
    String text = String.join("\n", o.steps());
    String predicted = Answers.extract(text).orElse(null);
    String gold = o.prompt().gold();
    Boolean correct = gold == null ? null : Answers.isCorrect(text, gold);
    int tokens =
        o.rounds().stream()
            .filter(r -> r.best() >= 0 && o.solutionIterations().contains(r.iteration()))
            .mapToInt(r -> r.candidates().get(r.best()).candidate().tokens())
            .sum();
    String finish = o.finished() ? "answer" : "max_steps";
    return Rows.of(Datasets.get(Datasets.SOLUTIONS))
        .set("round", round)
        .set("prompt_id", o.prompt().id())
        .set("model_id", modelId)
        .set("lang", o.prompt().lang())
        .set("method", "step_search")
        .set("sample_index", 0)
        .set("seed", o.prompt().seed())
        .set("steps", seq(o.steps()))
        .set("text", text)
        .set("predicted", predicted)
        .set("gold", gold)
        .set("correct", correct)
        .set("num_tokens", tokens)
        .set("tokens_sampled", o.tokensSampled())
        .set("rollbacks", o.rollbacks())
        .set("finish_reason", finish)
        .build();
  }

  private static List<Row> judgmentRows(SearchOutcome o, int round, String modelId) {
    DatasetSchema judgments = Datasets.get(Datasets.STEP_JUDGMENTS);
    List<Row> rows = new ArrayList<>();
    Map<Integer, Integer> attempts = new HashMap<>();
    for (StepRound r : o.rounds()) {
      int attempt = attempts.merge(r.stepIndex(), 1, Integer::sum) - 1;
      boolean allTied = r.worst() < 0;
      for (int i = 0; i < r.candidates().size(); i++) {
        JudgedCandidate c = r.candidates().get(i);
        List<Row> comparisons = new ArrayList<>();
        for (JudgedCandidate.Comparison cmp : c.comparisons()) {
          comparisons.add(
              Rows.element(judgments, "comparisons")
                  .set("opponent_index", cmp.opponent())
                  .set("candidate_first", cmp.shownFirst())
                  .set("verdict", cmp.outcome())
                  .set("judge_text", cmp.judgeText())
                  .set("verdict_prob", cmp.verdictProbability())
                  .build());
        }
        rows.add(
            Rows.of(judgments)
                .set("round", round)
                .set("prompt_id", o.prompt().id())
                .set("model_id", modelId)
                .set("lang", o.prompt().lang())
                .set("step_index", r.stepIndex())
                .set("attempt", attempt)
                .set("iteration", r.iteration())
                .set("prefix_steps", seq(r.previousSteps()))
                .set("candidate_index", i)
                .set("candidate", c.candidate().text())
                .set("score", c.wins())
                .set("comparisons", seq(comparisons))
                .set("is_best", i == r.best())
                .set("is_worst", i == r.worst())
                .set("all_tied", allTied)
                .set("outcome", r.outcome())
                .set("in_solution", o.solutionIterations().contains(r.iteration()))
                .build());
      }
    }
    return rows;
  }
}
