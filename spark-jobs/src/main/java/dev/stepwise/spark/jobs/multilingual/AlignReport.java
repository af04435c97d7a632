package dev.stepwise.spark.jobs.multilingual;

import dev.stepwise.spark.runtime.Manifest;
import dev.stepwise.spark.runtime.RunLayout;
import dev.stepwise.spark.runtime.StageRecord;
import dev.stepwise.tasks.Language;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * The spontaneous-alignment result (docs/methods.md §D) as a table: greedy accuracy per language
 * before and after QT alignment, the trained languages first, then the unseen ones, then the pivot,
 * each group of several languages followed by its mean. {@link #write} puts it in
 * reports/multilingual.md with a before/after bar chart (reports/multilingual.png).
 */
public final class AlignReport {
  private static final List<String> GROUPS = List.of("aligned", "unseen", "pivot");

  private final RunLayout layout;
  private final AlignStage stage;

  @Inject
  public AlignReport(RunLayout layout, AlignStage stage) {
    this.layout = layout;
    this.stage = stage;
  }

  /** A markdown table of {@code r}, after a line naming both models. */
  public static String table(AlignEvalJob.Result r) {
    StringBuilder out =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "greedy accuracy: before = %s, after = %s%n%n",
                r.beforeId(),
                r.afterId()));
    out.append(
        String.format(
            Locale.ROOT,
            "| %-9s | %-4s | %-7s | %5s | %6s | %6s | %6s |%n",
            "benchmark",
            "lang",
            "group",
            "items",
            "before",
            "after",
            "delta"));
    out.append("|-----------|------|---------|------:|-------:|-------:|-------:|\n");
    for (String benchmark :
        r.cells().stream().map(AlignEvalJob.Cell::benchmark).distinct().toList()) {
      for (String group : GROUPS) {
        List<AlignEvalJob.Cell> cells =
            r.cells().stream()
                .filter(c -> c.benchmark().equals(benchmark) && c.group().equals(group))
                .toList();
        for (AlignEvalJob.Cell c : cells) {
          out.append(
              row(benchmark, c.lang(), group, Long.toString(c.items()), c.before(), c.after()));
        }
        if (cells.size() > 1) {
          double[] mean = r.mean(benchmark, group);
          out.append(row(benchmark, "mean", group, "", mean[0], mean[1]));
        }
      }
    }
    return out.toString();
  }

  private static String row(
      String benchmark, String lang, String group, String items, double before, double after) {
    return String.format(
        Locale.ROOT,
        "| %-9s | %-4s | %-7s | %5s | %5.1f%% | %5.1f%% | %+6.1f |%n",
        benchmark,
        lang,
        group,
        items,
        100 * before,
        100 * after,
        100 * (after - before));
  }

  /**
   * Writes reports/multilingual.md and multilingual.png for the alignment of round R's model;
   * returns the table.
   */
  public String write(int round) {
    AlignEvalJob.Result result = stage.evaluation(round);
    String table = table(result);
    String languages =
        String.join(", ", stage.config().languages().stream().map(Language::code).toList());
    String chart =
        NeuronCharts.chart(
            layout,
            "multilingual.png",
            ChartFactory.createBarChart(
                "Greedy accuracy before vs after QT alignment on " + languages,
                "benchmark/language",
                "accuracy %",
                accuracies(result),
                PlotOrientation.VERTICAL,
                true,
                false,
                false));
    Map<String, Object> trained =
        Manifest.load(layout).stage("align", round).map(StageRecord::metrics).orElse(Map.of());
    layout.writeAtomically(
        new Path(layout.reports(), "multilingual.md"),
        String.format(
            Locale.ROOT,
            "# Question-translation alignment%n%nThe model of round %d fine-tuned to translate %s questions into %s (%d pairs, %d steps, "
                + "final loss %.3f), then evaluated greedily in every language (docs/methods.md §D; rows in eval_results/round=%d). "
                + "The unseen languages were not trained: a gain there is spontaneous alignment.%n%n%s%n![before vs after](%s)%n",
            round,
            languages,
            stage.config().pivot().code(),
            (long) number(trained, "train_examples"),
            (long) number(trained, "global_step"),
            number(trained, "loss"),
            round,
            table,
            new Path(chart).getName()));
    return table;
  }

  private static double number(Map<String, Object> metrics, String key) {
    return metrics.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  private static DefaultCategoryDataset accuracies(AlignEvalJob.Result r) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (AlignEvalJob.Cell c : r.cells()) {
      data.addValue(100 * c.before(), "before", c.benchmark() + "/" + c.lang());
      data.addValue(100 * c.after(), "after", c.benchmark() + "/" + c.lang());
    }
    return data;
  }
}
