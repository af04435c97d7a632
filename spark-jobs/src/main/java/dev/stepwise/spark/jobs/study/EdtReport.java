package dev.stepwise.spark.jobs.study;

import dev.stepwise.sampling.SamplingConfig;
import dev.stepwise.spark.config.EdtStudyConfig;
import dev.stepwise.spark.runtime.ReportCharts;
import dev.stepwise.spark.runtime.RunLayout;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.Path;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * The EDT study's table (one line per strategy: quality, diversity, EDA-proxy) and whether the best
 * EDT setting beats the best fixed temperature on the EDA-proxy; {@link #write} puts both in
 * reports/edt.md with a bar chart (reports/edt.png).
 */
public final class EdtReport {
  private EdtReport() {}

  /** The best fixed temperature and the best EDT setting by EDA-proxy, and EDT's margin. */
  public record Verdict(EdtStudyJob.Line fixed, EdtStudyJob.Line edt) {
    public double gain() {
      return edt.score().eda() - fixed.score().eda();
    }
  }

  /** Null when the grid lacks fixed temperatures or EDT settings. */
  public static Verdict verdict(List<EdtStudyJob.Line> lines) {
    Comparator<EdtStudyJob.Line> byEda = Comparator.comparingDouble(l -> l.score().eda());
    var fixed = lines.stream().filter(l -> !l.point().isEdt()).max(byEda);
    var edt = lines.stream().filter(l -> l.point().isEdt()).max(byEda);
    return fixed.isPresent() && edt.isPresent() ? new Verdict(fixed.get(), edt.get()) : null;
  }

  /** The markdown table, then the verdict line. */
  public static String table(List<EdtStudyJob.Line> lines, int samples) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "| %-26s | %6s | %6s | %8s | %9s | %5s | %9s | %6s | %6s |%n",
            "strategy",
            "acc",
            "maj@" + samples,
            "distinct",
            "Self-BLEU",
            "D",
            "EDA-proxy",
            "mean T",
            "tokens"));
    out.append(
        "|----------------------------|-------:|-------:|---------:|----------:|------:|----------:|-------:|-------:|\n");
    for (EdtStudyJob.Line l : lines) {
      var s = l.score();
      out.append(
          String.format(
              Locale.ROOT,
              "| %-26s | %5.1f%% | %5.1f%% | %8.2f | %9.1f | %5.1f | %9.1f | %6.3f | %6.1f |%n",
              l.point().label(),
              s.accuracy(),
              s.majorityAccuracy(),
              s.distinctAnswers(),
              s.selfBleu(),
              s.diversity(),
              s.eda(),
              l.meanTemperature(),
              l.meanTokens()));
    }
    Verdict v = verdict(lines);
    if (v != null) {
      out.append(
          String.format(
              Locale.ROOT,
              "%nBest fixed temperature: %s (EDA-proxy %.1f); best EDT: %s (%.1f). EDT %s the best fixed temperature by %+.1f.%n",
              v.fixed().point().label(),
              v.fixed().score().eda(),
              v.edt().point().label(),
              v.edt().score().eda(),
              v.gain() > 0 ? "beats" : "does not beat",
              v.gain()));
    }
    return out.toString();
  }

  /** Writes reports/edt.md and reports/edt.png; returns the table with its verdict. */
  static String write(
      RunLayout layout,
      String model,
      int problems,
      EdtStudyConfig config,
      SamplingConfig sampling,
      List<EdtStudyJob.Line> lines) {
    String table = table(lines, config.samples());
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (EdtStudyJob.Line l : lines) {
      String label = l.point().label();
      data.addValue(l.score().accuracy(), "accuracy Q", label);
      data.addValue(l.score().diversity(), "diversity D = 100 - Self-BLEU", label);
      data.addValue(l.score().eda(), "EDA-proxy 2QD/(Q+D)", label);
    }
    var chart =
        ChartFactory.createBarChart(
            "EDT study: quality, diversity and EDA-proxy per strategy",
            "strategy",
            "score (0-100)",
            data,
            PlotOrientation.HORIZONTAL,
            true,
            false,
            false);
    String png =
        ReportCharts.writePng(layout, "edt.png", chart, 900, Math.max(400, 60 + 45 * lines.size()));
    layout.writeAtomically(
        new Path(layout.reports(), "edt.md"),
        String.format(
            Locale.ROOT,
            "# EDT study%n%n%s sampled %d times per prompt under each strategy, %d held-out prompts (%s), "
                + "top-p %s for every strategy, EDT's N = %s (docs/methods.md §C; rows in data/edt_samples/). "
                + "acc: share of correct samples; maj@%d: majority vote of the %d samples; distinct: different final "
                + "answers per prompt; Self-BLEU: BLEU-4 of each sample against the prompt's other samples (lower = more "
                + "diverse); D = 100 - Self-BLEU; EDA-proxy = 2·acc·D/(acc + D), the methods spec's stand-in for the "
                + "paper's EDA score, whose formula was not recovered; mean T: mean temperature a token was drawn at.%n%n%s%n![EDT study](%s)%n",
            model,
            config.samples(),
            problems,
            config.prompts().describe(),
            sampling.topP(),
            sampling.edtN(),
            config.samples(),
            config.samples(),
            table,
            new Path(png).getName()));
    return table;
  }
}
