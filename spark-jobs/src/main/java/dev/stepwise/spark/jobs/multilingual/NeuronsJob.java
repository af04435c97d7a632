package dev.stepwise.spark.jobs.multilingual;

import static org.apache.spark.sql.functions.col;

import dev.stepwise.multilingual.ActivationCounts;
import dev.stepwise.multilingual.Neuron;
import dev.stepwise.multilingual.NeuronClassifier;
import dev.stepwise.multilingual.NeuronComparison;
import dev.stepwise.multilingual.NeuronReport;
import dev.stepwise.multilingual.NeuronType;
import dev.stepwise.schemas.Datasets;
import dev.stepwise.schemas.Rows;
import dev.stepwise.spark.config.NeuronsConfig;
import dev.stepwise.spark.config.TasksConfig;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.RunLayout;
import dev.stepwise.spark.runtime.StageRunner;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskExample;
import dev.stepwise.text.ReasoningPrompt;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;
import scala.jdk.javaapi.CollectionConverters;

/**
 * `stepwise neurons`: language neurons of a checkpoint (docs/methods.md §E), optionally against a
 * second one. Executors record activation counts for their partition of the problems and send back
 * only [layers × neurons] longs per language and model (tree-reduced); the driver classifies,
 * writes neuron_stats and PNG charts, and compares.
 */
public final class NeuronsJob {

  /** One analyzed model. */
  public record Analysis(
      String modelId,
      int round,
      Map<String, ActivationCounts> counts,
      NeuronReport report,
      String chart) {}

  /**
   * @param compared null without a second model
   */
  public record Result(
      String dataset,
      Analysis model,
      Analysis compared,
      NeuronComparison.Result comparison,
      String deltaChart) {}

  private static final Pattern ROUND = Pattern.compile("round=(\\d+)");

  private final SparkSession spark;
  private final RunLayout layout;
  private final DatasetIO io;
  private final StageRunner stages;
  private final NeuronsConfig config;
  private final TasksConfig tasks;

  @Inject
  public NeuronsJob(
      SparkSession spark,
      RunLayout layout,
      DatasetIO io,
      StageRunner stages,
      NeuronsConfig config,
      TasksConfig tasks) {
    this.spark = spark;
    this.layout = layout;
    this.io = io;
    this.stages = stages;
    this.config = config;
    this.tasks = tasks;
  }

  /** The round a checkpoint path names (…/round=R), 0 when it names none (a base model). */
  public static int roundOf(String uri) {
    Matcher m = ROUND.matcher(uri);
    int round = 0;
    while (m.find()) round = Integer.parseInt(m.group(1));
    return round;
  }

  /**
   * @param compareUri null for a single model
   */
  public Result run(String modelUri, String compareUri) {
    List<String> uris = compareUri == null ? List.of(modelUri) : List.of(modelUri, compareUri);
    return stages.run(
        "neurons",
        roundOf(modelUri),
        uris,
        stage -> {
          List<Map<String, ActivationCounts>> counts = count(uris);
          List<Analysis> analyses = new ArrayList<>();
          for (int m = 0; m < uris.size(); m++) {
            String uri = uris.get(m);
            NeuronReport report = NeuronClassifier.classify(counts.get(m), config.settings());
            String modelId = layout.relative(new Path(uri));
            write(modelId, roundOf(uri), report, counts.get(m));
            analyses.add(
                new Analysis(
                    modelId,
                    roundOf(uri),
                    counts.get(m),
                    report,
                    NeuronCharts.perLayer(layout, modelId, report)));
            stage.metric(
                modelId,
                Map.of(
                    "lambda",
                    report.lambda(),
                    "tau",
                    report.tau(),
                    "specific",
                    report.neurons(NeuronType.SPECIFIC).size(),
                    "related",
                    report.neurons(NeuronType.RELATED).size(),
                    "general",
                    report.neurons(NeuronType.GENERAL).size()));
          }
          stage.output(Datasets.NEURON_STATS, io.pathOf(Datasets.NEURON_STATS));
          stage.output("reports", layout.reports());
          if (analyses.size() == 1)
            return new Result(config.source(), analyses.get(0), null, null, null);
          NeuronComparison.Result comparison =
              NeuronComparison.compare(analyses.get(0).report(), analyses.get(1).report());
          // An overlap is undefined (NaN) when the base model has no neuron of the type; JSON has
          // no NaN.
          if (!Double.isNaN(comparison.specificOverlap()))
            stage.metric("specific_overlap", comparison.specificOverlap());
          if (!Double.isNaN(comparison.relatedOverlap()))
            stage.metric("related_overlap", comparison.relatedOverlap());
          return new Result(
              config.source(),
              analyses.get(0),
              analyses.get(1),
              comparison,
              NeuronCharts.delta(layout, analyses.get(1).modelId(), comparison));
        });
  }

  /**
   * Counts per model and language, aggregated over partitions (only the arrays reach the driver).
   */
  public List<Map<String, ActivationCounts>> count(List<String> uris) {
    List<Row> items = items();
    int partitions =
        config.partitions() > 0 ? config.partitions() : spark.sparkContext().defaultParallelism();
    NeuronCounting counting =
        new NeuronCounting(
            uris,
            config.batchSize(),
            config.maxNewTokens(),
            new SerializableConfiguration(spark.sparkContext().hadoopConfiguration()));
    ArrayList<HashMap<String, ActivationCounts>> merged =
        JavaSparkContext.fromSparkContext(spark.sparkContext())
            .parallelize(items, Math.max(1, Math.min(partitions, items.size())))
            .mapPartitions(counting)
            .treeReduce(NeuronCounting::merge);
    List<Map<String, ActivationCounts>> out = new ArrayList<>();
    for (HashMap<String, ActivationCounts> perLang : merged) {
      Map<String, ActivationCounts> ordered = new LinkedHashMap<>();
      for (Language lang : config.languages()) {
        ActivationCounts c = perLang.get(lang.code());
        if (c == null || c.tokens() == 0) {
          throw new StepwiseException(
              "no "
                  + lang.code()
                  + " responses were recorded; check stepwise.neurons.languages against the "
                  + config.source()
                  + " data");
        }
        ordered.put(lang.code(), c);
      }
      out.add(ordered);
    }
    return out;
  }

  /** The items {@link NeuronCounting} reads: (id, lang, user turn, gold response or null). */
  static final StructType ITEMS =
      new StructType()
          .add("id", DataTypes.StringType)
          .add("lang", DataTypes.StringType)
          .add("user_turn", DataTypes.StringType)
          .add("gold_response", DataTypes.StringType);

  private static Row item(String id, String lang, String userTurn, String goldResponse) {
    return Rows.of("neuron items", ITEMS)
        .set("id", id)
        .set("lang", lang)
        .set("user_turn", userTurn)
        .set("gold_response", goldResponse)
        .build();
  }

  /** {@link #ITEMS} rows, per problem and language. */
  public List<Row> items() {
    List<Row> items = new ArrayList<>();
    if (config.source().equals(NeuronsConfig.SYNTHETIC)) {
      for (TaskExample e :
          tasks.generator().ift(Split.EVAL, 0, config.problemsPerLanguage(), config.languages())) {
        items.add(
            item(e.id(), e.lang(), e.prompt(), config.goldResponses() ? e.completion() : null));
      }
      return items;
    }
    List<String> langs = config.languages().stream().map(Language::code).toList();
    List<Row> prompts =
        io.read(Datasets.PROMPTS)
            .where(col("source").equalTo(config.source()).and(col("lang").isin(langs.toArray())))
            .select("id", "lang", "question")
            .collectAsList();
    for (Row r : TranslationPairsJob.firstLinesPerLanguage(prompts, config.problemsPerLanguage())) {
      items.add(item(r.getString(0), r.getString(1), ReasoningPrompt.of(r.getString(2)), null));
    }
    return items;
  }

  /**
   * One neuron_stats row per layer × neuron into round=R, keeping the partition's rows of other
   * models or data.
   */
  private void write(
      String modelId, int round, NeuronReport report, Map<String, ActivationCounts> counts) {
    List<String> langs = report.languages();
    List<Row> rows = new ArrayList<>();
    var table = report.table();
    for (int layer = 0; layer < table.layers(); layer++) {
      for (int j = 0; j < table.neurons(); j++) {
        Neuron n = new Neuron(layer, j);
        Map<String, Double> p = new LinkedHashMap<>();
        Map<String, Long> active = new LinkedHashMap<>();
        for (int k = 0; k < langs.size(); k++) {
          p.put(langs.get(k), table.p(k, table.flat(n)));
          active.put(langs.get(k), counts.get(langs.get(k)).active(layer, j));
        }
        rows.add(
            Rows.of(Datasets.get(Datasets.NEURON_STATS))
                .set("round", round)
                .set("model_id", modelId)
                .set("dataset", config.source())
                .set("layer", layer)
                .set("neuron", j)
                .set("activation_prob", CollectionConverters.asScala(p))
                .set("active_tokens", CollectionConverters.asScala(active))
                .set("score", report.score(n))
                .set("selected", report.selected(n))
                .set("num_langs_above", report.languagesAboveCount(n))
                .set("category", report.type(n).label())
                .set("langs", CollectionConverters.asScala(report.languagesAbove(n)).toSeq())
                .set("lambda", report.lambda())
                .set("tau", report.tau())
                .build());
      }
    }
    Dataset<Row> fresh =
        spark.createDataFrame(rows, Datasets.get(Datasets.NEURON_STATS).sparkType());
    if (io.exists(Datasets.NEURON_STATS)) {
      fresh =
          fresh.union(
              io.read(Datasets.NEURON_STATS)
                  .where(
                      col("round")
                          .equalTo(round)
                          .and(
                              col("model_id")
                                  .equalTo(modelId)
                                  .and(col("dataset").equalTo(config.source()))
                                  .unary_$bang())));
    }
    io.replacePartitions(Datasets.NEURON_STATS, fresh, Set.of());
  }
}
