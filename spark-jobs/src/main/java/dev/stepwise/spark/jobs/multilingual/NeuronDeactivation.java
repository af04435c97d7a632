package dev.stepwise.spark.jobs.multilingual;

import dev.stepwise.multilingual.DeactivationCheck;
import dev.stepwise.multilingual.NeuronMask;
import dev.stepwise.multilingual.NeuronReport;
import dev.stepwise.spark.config.NeuronsConfig;
import dev.stepwise.spark.config.TasksConfig;
import dev.stepwise.spark.runtime.ExecutorModels;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskExample;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * `stepwise neurons --deactivate L` (docs/methods.md §E step 10): zero language L's specific
 * neurons, then its specific + related ones, and measure greedy accuracy and perplexity per target
 * language on the synthetic eval problems, whose gold solutions are the reference responses (MGSM
 * has none). Runs in the driver JVM on its device: one model, a few hundred problems.
 */
public final class NeuronDeactivation {

  /**
   * One target language: accuracy and perplexity with nothing zeroed, L's specific zeroed, and
   * specific + related zeroed.
   */
  public record Row(
      String lang,
      DeactivationCheck.Score base,
      DeactivationCheck.Score specific,
      DeactivationCheck.Score withRelated) {}

  public record Result(
      String deactivated, int specificNeurons, int relatedNeurons, List<Row> rows) {}

  private final SparkSession spark;
  private final NeuronsConfig config;
  private final TasksConfig tasks;

  @Inject
  public NeuronDeactivation(SparkSession spark, NeuronsConfig config, TasksConfig tasks) {
    this.spark = spark;
    this.config = config;
    this.tasks = tasks;
  }

  public Result run(String modelUri, NeuronReport report, String lang) {
    ExecutorModels.Loaded m =
        ExecutorModels.get(modelUri, spark.sparkContext().hadoopConfiguration());
    List<DeactivationCheck.Item> items = new ArrayList<>();
    for (TaskExample e :
        tasks.generator().ift(Split.EVAL, 0, config.problemsPerLanguage(), config.languages())) {
      items.add(new DeactivationCheck.Item(e.id(), e.lang(), e.prompt(), e.gold(), e.completion()));
    }
    DeactivationCheck check =
        new DeactivationCheck(m.model(), m.chat(), config.maxNewTokens(), config.batchSize());
    NeuronMask specific = NeuronMask.forLanguage(report, lang, false),
        withRelated = NeuronMask.forLanguage(report, lang, true);
    Map<String, DeactivationCheck.Score> base = check.evaluate(items, null);
    Map<String, DeactivationCheck.Score> offSpecific = check.evaluate(items, specific);
    Map<String, DeactivationCheck.Score> offBoth = check.evaluate(items, withRelated);
    List<Row> rows = new ArrayList<>();
    base.forEach(
        (target, score) ->
            rows.add(new Row(target, score, offSpecific.get(target), offBoth.get(target))));
    return new Result(lang, specific.size(), withRelated.size() - specific.size(), rows);
  }
}
