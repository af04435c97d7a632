package dev.stepwise.spark.loop;

import dev.stepwise.spark.config.SelfRewardConfig;
import dev.stepwise.spark.jobs.selfreward.EvalStage;
import dev.stepwise.spark.jobs.selfreward.SyntheticPromptsStage;
import dev.stepwise.spark.runtime.Manifest;
import dev.stepwise.spark.runtime.ReportCharts;
import dev.stepwise.spark.runtime.RunLayout;
import dev.stepwise.spark.runtime.StageRecord;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.hadoop.fs.Path;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * The run's result, per round, from run.json: held-out accuracy (overall and per language), judge
 * accuracy, pair count and DPO reward accuracy and margin. Printed as a table and written to
 * reports/report.md with a PNG chart (reports/rounds.png).
 */
public final class RoundReport {

  /**
   * One row: the model M_R and how it was made. {@code pairsRight}/{@code pairsInverted}: pairs
   * whose chosen/rejected step is the reference solution's step (PairsStage's pair_quality). {@code
   * imported}/{@code importedByLang}: accuracy on each imported test set the eval stage graded
   * (EvalStage.IMPORTED), overall and per language.
   */
  public record Row(
      int round,
      Double accuracy,
      Map<String, Double> byLang,
      Double judgeAccuracy,
      Long pairs,
      Long pairsRight,
      Long pairsInverted,
      Double rewardAccuracy,
      Double rewardMargin,
      Map<String, Double> imported,
      Map<String, Map<String, Double>> importedByLang) {}

  private final RunLayout layout;
  private final SelfRewardConfig config;

  @Inject
  RoundReport(RunLayout layout, SelfRewardConfig config) {
    this.layout = layout;
    this.config = config;
  }

  public List<Row> rows() {
    Manifest manifest = Manifest.load(layout);
    List<Row> rows = new ArrayList<>();
    for (int r = 1; r <= config.rounds() + 1; r++) {
      Optional<Map<String, Object>> eval = metrics(manifest, "eval", r);
      if (eval.isEmpty()) {
        continue;
      }
      Optional<Map<String, Object>> pairs = metrics(manifest, "pairs", r - 1);
      Optional<Map<String, Object>> dpo = metrics(manifest, "dpo", r - 1);
      @SuppressWarnings("unchecked")
      Map<String, Double> byLang =
          (Map<String, Double>)
              eval.get().getOrDefault(SyntheticPromptsStage.SOURCE + "/accuracy_by_lang", Map.of());
      Map<String, Double> imported = new LinkedHashMap<>();
      Map<String, Map<String, Double>> importedByLang = new LinkedHashMap<>();
      for (String b : EvalStage.IMPORTED) {
        Double accuracy = number(eval, b + "/accuracy");
        if (accuracy == null) continue;
        imported.put(b, accuracy);
        @SuppressWarnings("unchecked")
        Map<String, Double> langs =
            (Map<String, Double>) eval.get().getOrDefault(b + "/accuracy_by_lang", Map.of());
        importedByLang.put(b, langs);
      }
      rows.add(
          new Row(
              r,
              number(eval, SyntheticPromptsStage.SOURCE + "/accuracy"),
              byLang,
              number(eval, EvalStage.JUDGE + "/accuracy"),
              pairs.map(m -> ((Number) m.get("pairs")).longValue()).orElse(null),
              quality(pairs, "right"),
              quality(pairs, "inverted"),
              number(dpo, "rewards/accuracies"),
              number(dpo, "rewards/margins"),
              imported,
              importedByLang));
    }
    return rows;
  }

  /**
   * The table, one line per model: synthetic accuracy, judge, pairs, DPO, each imported test set's
   * accuracy (gsm8k, mgsm), then the synthetic accuracy per language.
   */
  public String table(List<Row> rows) {
    TreeSet<String> langs = new TreeSet<>();
    rows.forEach(r -> langs.addAll(r.byLang().keySet()));
    List<String> imported = importedBenchmarks(rows);
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "| %-5s | %8s | %8s | %6s | %9s | %8s | %8s |",
            "model",
            "accuracy",
            "judge",
            "pairs",
            "right/inv",
            "dpo acc",
            "margin"));
    imported.forEach(b -> out.append(String.format(Locale.ROOT, " %6s |", b)));
    langs.forEach(l -> out.append(String.format(Locale.ROOT, " %5s |", l)));
    out.append('\n')
        .append("|-------|----------|----------|--------|-----------|----------|----------|");
    imported.forEach(b -> out.append("--------|"));
    langs.forEach(l -> out.append("-------|"));
    out.append('\n');
    for (Row r : rows) {
      out.append(
          String.format(
              Locale.ROOT,
              "| M%-4d | %8s | %8s | %6s | %9s | %8s | %8s |",
              r.round(),
              pct(r.accuracy()),
              pct(r.judgeAccuracy()),
              r.pairs() == null ? "-" : r.pairs().toString(),
              r.pairsRight() == null ? "-" : r.pairsRight() + "/" + r.pairsInverted(),
              pct(r.rewardAccuracy()),
              r.rewardMargin() == null
                  ? "-"
                  : String.format(Locale.ROOT, "%.3f", r.rewardMargin())));
      imported.forEach(
          b -> out.append(String.format(Locale.ROOT, " %6s |", pct(r.imported().get(b)))));
      langs.forEach(l -> out.append(String.format(Locale.ROOT, " %5s |", pct(r.byLang().get(l)))));
      out.append('\n');
    }
    return out.toString();
  }

  /** One table per imported test set: its accuracy per language, one line per model. */
  public String importedTable(List<Row> rows) {
    StringBuilder out = new StringBuilder();
    for (String b : importedBenchmarks(rows)) {
      TreeSet<String> langs = new TreeSet<>();
      rows.forEach(r -> langs.addAll(r.importedByLang().getOrDefault(b, Map.of()).keySet()));
      out.append(String.format(Locale.ROOT, "| %-5s | %6s |", "model", b));
      langs.forEach(l -> out.append(String.format(Locale.ROOT, " %5s |", l)));
      out.append('\n').append("|-------|--------|");
      langs.forEach(l -> out.append("-------|"));
      out.append('\n');
      for (Row r : rows) {
        out.append(
            String.format(Locale.ROOT, "| M%-4d | %6s |", r.round(), pct(r.imported().get(b))));
        langs.forEach(
            l ->
                out.append(
                    String.format(
                        Locale.ROOT,
                        " %5s |",
                        pct(r.importedByLang().getOrDefault(b, Map.of()).get(l)))));
        out.append('\n');
      }
      out.append('\n');
    }
    return out.toString();
  }

  private static List<String> importedBenchmarks(List<Row> rows) {
    return EvalStage.IMPORTED.stream()
        .filter(b -> rows.stream().anyMatch(r -> r.imported().containsKey(b)))
        .toList();
  }

  /** Writes reports/report.md and reports/rounds.png; returns the table. */
  public String write() throws IOException {
    List<Row> rows = rows();
    String table = table(rows);
    layout.writeAtomically(
        new Path(layout.reports(), "report.md"),
        "# Self-rewarding rounds\n\nHeld-out accuracy (greedy), judge accuracy on held-out step pairs, pairs per round, "
            + "right/inv (pairs whose chosen / rejected step is the reference solution's) "
            + "and DPO reward accuracy/margin (TRL names), imported test sets' accuracy (gsm8k, mgsm), from run.json.\n\n"
            + table
            + (importedTable(rows).isEmpty()
                ? ""
                : "\nImported test sets by language:\n\n" + importedTable(rows))
            + "\n![rounds](rounds.png)\n");
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (Row r : rows) {
      if (r.accuracy() != null)
        data.addValue(100 * r.accuracy(), "held-out accuracy %", "M" + r.round());
      if (r.judgeAccuracy() != null)
        data.addValue(100 * r.judgeAccuracy(), "judge accuracy %", "M" + r.round());
      r.imported()
          .forEach(
              (b, accuracy) -> data.addValue(100 * accuracy, b + " accuracy %", "M" + r.round()));
    }
    JFreeChart chart =
        ChartFactory.createLineChart(
            "Self-rewarding rounds",
            "model",
            "%",
            data,
            PlotOrientation.VERTICAL,
            true,
            false,
            false);
    ReportCharts.writePng(layout, "rounds.png", chart, 720, 400);
    return table;
  }

  private static Optional<Map<String, Object>> metrics(Manifest manifest, String name, int round) {
    return manifest.succeeded(name, round).map(StageRecord::metrics);
  }

  @SuppressWarnings("unchecked")
  private static Long quality(Optional<Map<String, Object>> pairs, String label) {
    return pairs
        .map(m -> (Map<String, Object>) m.get("pair_quality"))
        .filter(q -> q != null)
        .map(q -> q.get(label) instanceof Number n ? n.longValue() : 0L)
        .orElse(null);
  }

  private static Double number(Optional<Map<String, Object>> metrics, String key) {
    return metrics
        .map(m -> m.get(key))
        .filter(Number.class::isInstance)
        .map(v -> ((Number) v).doubleValue())
        .orElse(null);
  }

  private static String pct(Double value) {
    return value == null ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * value);
  }
}
