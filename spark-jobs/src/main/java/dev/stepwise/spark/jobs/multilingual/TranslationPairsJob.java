package dev.stepwise.spark.jobs.multilingual;

import static org.apache.spark.sql.functions.col;

import dev.stepwise.multilingual.ParallelQuestion;
import dev.stepwise.multilingual.TranslationPair;
import dev.stepwise.multilingual.TranslationPairs;
import dev.stepwise.schemas.Datasets;
import dev.stepwise.schemas.Rows;
import dev.stepwise.spark.config.AlignConfig;
import dev.stepwise.spark.config.TasksConfig;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.StageRunner;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.Split;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * `stepwise translation-pairs`: X→pivot question-translation pairs (docs/methods.md §D) for
 * align.languages, from synthetic parallel train problems and/or the run's imported prompts of
 * align.prompts_source, grouped by parallel_id on the executors. A question with no pivot partner
 * goes to _rejected (dataset=translation_pairs) with the reason.
 */
public final class TranslationPairsJob {

  /**
   * @param pairs per src_lang, read back from the written Parquet
   */
  public record Result(Map<String, Long> pairs, long rejected) {
    public long total() {
      return pairs.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  static final String SYNTHETIC = "synthetic";
  private static final StructType QUESTIONS =
      new StructType()
          .add("id", DataTypes.StringType)
          .add("parallel_id", DataTypes.StringType)
          .add("lang", DataTypes.StringType)
          .add("question", DataTypes.StringType)
          .add("source", DataTypes.StringType)
          .add("split", DataTypes.StringType);

  private final SparkSession spark;
  private final DatasetIO io;
  private final StageRunner stages;
  private final AlignConfig align;
  private final TasksConfig tasks;

  @Inject
  public TranslationPairsJob(
      SparkSession spark, DatasetIO io, StageRunner stages, AlignConfig align, TasksConfig tasks) {
    this.spark = spark;
    this.io = io;
    this.stages = stages;
    this.align = align;
    this.tasks = tasks;
  }

  public Result run() {
    List<String> inputs = new ArrayList<>();
    if (align.syntheticProblems() > 0) inputs.add("synthetic:train:" + align.syntheticProblems());
    if (!align.promptsSource().isEmpty())
      inputs.add(Datasets.PROMPTS + ":" + align.promptsSource() + "/" + align.promptsSplit());
    return stages.run(
        "translation_pairs",
        null,
        inputs,
        stage -> {
          Result result = build();
          stage.output(Datasets.TRANSLATION_PAIRS, io.pathOf(Datasets.TRANSLATION_PAIRS));
          stage.metric("pairs", result.total());
          stage.metric("pairs_per_language", result.pairs());
          stage.metric("rejected", result.rejected());
          return result;
        });
  }

  private Result build() {
    List<Language> sources = align.languages();
    Language pivot = align.pivot();
    // Tagged outcomes: (true, translation_pairs row) or (false, rejected row).
    JavaRDD<Tuple2<Boolean, Row>> outcomes =
        questions()
            .javaRDD()
            .groupBy(r -> r.getString(1))
            .flatMap(group -> pairGroup(group._2(), sources, pivot).iterator());
    outcomes.persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Set<String> owned = new LinkedHashSet<>();
      sources.forEach(l -> owned.add(DatasetIO.partition(Datasets.TRANSLATION_PAIRS, l.code())));
      io.replacePartitions(
          Datasets.TRANSLATION_PAIRS,
          spark.createDataFrame(
              outcomes.filter(Tuple2::_1).map(Tuple2::_2),
              Datasets.get(Datasets.TRANSLATION_PAIRS).sparkType()),
          owned);
      Set<String> rejectedOwned = new LinkedHashSet<>();
      if (align.syntheticProblems() > 0) {
        rejectedOwned.add(
            DatasetIO.partition(
                Datasets.REJECTED, Datasets.TRANSLATION_PAIRS, SYNTHETIC, Split.TRAIN.label()));
      }
      if (!align.promptsSource().isEmpty()) {
        rejectedOwned.add(
            DatasetIO.partition(
                Datasets.REJECTED,
                Datasets.TRANSLATION_PAIRS,
                align.promptsSource(),
                align.promptsSplit()));
      }
      io.replacePartitions(
          Datasets.REJECTED,
          spark.createDataFrame(
              outcomes.filter(t -> !t._1()).map(Tuple2::_2),
              Datasets.get(Datasets.REJECTED).sparkType()),
          rejectedOwned);
    } finally {
      outcomes.unpersist();
    }
    Map<String, Long> counts = new TreeMap<>();
    for (Row r :
        io.read(Datasets.TRANSLATION_PAIRS)
            .where(col("src_lang").isin(codes(sources).toArray()))
            .groupBy("src_lang")
            .count()
            .collectAsList()) {
      counts.put(r.getString(0), r.getLong(1));
    }
    long rejected =
        !io.exists(Datasets.REJECTED)
            ? 0
            : io.read(Datasets.REJECTED)
                .where(col("dataset").equalTo(Datasets.TRANSLATION_PAIRS))
                .count();
    return new Result(counts, rejected);
  }

  /**
   * Every candidate question (id, parallel_id, lang, question, source, split) in a source language
   * or the pivot.
   */
  private Dataset<Row> questions() {
    List<String> langs = new ArrayList<>(codes(align.languages()));
    langs.add(align.pivot().code());
    List<Row> synthetic = new ArrayList<>();
    List<Language> languages = langs.stream().map(Language::of).toList();
    for (ParallelQuestion q :
        TranslationPairs.synthetic(
            tasks.generator(), Split.TRAIN, 0, align.syntheticProblems(), languages)) {
      synthetic.add(
          Rows.of("questions", QUESTIONS)
              .set("id", q.id())
              .set("parallel_id", q.parallelId())
              .set("lang", q.lang())
              .set("question", q.question())
              .set("source", SYNTHETIC)
              .set("split", Split.TRAIN.label())
              .build());
    }
    Dataset<Row> all = spark.createDataFrame(synthetic, QUESTIONS);
    if (!align.promptsSource().isEmpty()) {
      Dataset<Row> prompts =
          io.read(Datasets.PROMPTS)
              .where(
                  col("source")
                      .equalTo(align.promptsSource())
                      .and(col("split").equalTo(align.promptsSplit()))
                      .and(col("lang").isin(langs.toArray())));
      if (prompts.isEmpty()) {
        throw new StepwiseException(
            "stepwise.align.prompts_source: the run has no prompts of source "
                + align.promptsSource()
                + ", split "
                + align.promptsSplit()
                + " in "
                + langs
                + "; import them first or set prompts_source = \"\"");
      }
      all = all.union(prompts.select("id", "parallel_id", "lang", "question", "source", "split"));
    }
    return all;
  }

  /**
   * One parallel group: its pairs as translation_pairs rows, its unpaired questions as rejected
   * rows.
   */
  private static List<Tuple2<Boolean, Row>> pairGroup(
      Iterable<Row> group, List<Language> sources, Language pivot) {
    List<ParallelQuestion> questions = new ArrayList<>();
    Map<String, Row> byId = new TreeMap<>();
    for (Row r : group) {
      questions.add(
          new ParallelQuestion(r.getString(0), r.getString(1), r.getString(2), r.getString(3)));
      byId.put(r.getString(0), r);
    }
    TranslationPairs.Built built;
    try {
      built = TranslationPairs.build(questions, sources, pivot);
    } catch (IllegalArgumentException e) {
      throw new StepwiseException("translation pairs: " + e.getMessage());
    }
    List<Tuple2<Boolean, Row>> out = new ArrayList<>();
    for (TranslationPair p : built.pairs()) {
      out.add(
          new Tuple2<>(
              true,
              Rows.of(Datasets.get(Datasets.TRANSLATION_PAIRS))
                  .set("parallel_id", p.parallelId())
                  .set("src_lang", p.sourceLang())
                  .set("tgt_lang", p.targetLang())
                  .set("src_prompt_id", p.id())
                  .set("tgt_prompt_id", p.targetId())
                  .set("input", p.prompt())
                  .set("target", p.target())
                  .build()));
    }
    for (TranslationPairs.Unpaired u : built.unpaired()) {
      Row q = byId.get(u.id());
      String source = q.getString(4), split = q.getString(5);
      out.add(
          new Tuple2<>(
              false,
              Rows.of(Datasets.get(Datasets.REJECTED))
                  .set("dataset", Datasets.TRANSLATION_PAIRS)
                  .set("source", source)
                  .set("split", split)
                  .set("file", Datasets.PROMPTS + "/source=" + source + "/split=" + split)
                  .set("line", lineOf(u.id()))
                  .set("reason", u.reason())
                  .set("content", u.id() + ": " + abbreviate(q.getString(3)))
                  .build()));
    }
    return out;
  }

  /**
   * prompts ids end in the input's 1-based line number (source/split[/lang]/line); 0 when they do
   * not.
   */
  /**
   * The first {@code perLanguage} rows of each language, by input line then id, languages in
   * alphabetical order; rows hold the prompt id in column 0 and its language in column 1.
   */
  static List<Row> firstLinesPerLanguage(List<Row> rows, int perLanguage) {
    Map<String, List<Row>> byLang = new TreeMap<>();
    for (Row r : rows) byLang.computeIfAbsent(r.getString(1), l -> new ArrayList<>()).add(r);
    List<Row> first = new ArrayList<>();
    for (List<Row> lang : byLang.values()) {
      lang.stream()
          .sorted(
              Comparator.comparingLong((Row r) -> lineOf(r.getString(0)))
                  .thenComparing(r -> r.getString(0)))
          .limit(perLanguage)
          .forEach(first::add);
    }
    return first;
  }

  static long lineOf(String id) {
    String last = id.substring(id.lastIndexOf('/') + 1);
    return last.matches("\\d{1,18}") ? Long.parseLong(last) : 0;
  }

  private static String abbreviate(String text) {
    return text.length() <= 900 ? text : text.substring(0, 900);
  }

  private static List<String> codes(List<Language> languages) {
    return languages.stream().map(Language::code).toList();
  }
}
