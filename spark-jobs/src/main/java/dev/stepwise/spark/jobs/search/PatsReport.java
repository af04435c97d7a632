package dev.stepwise.spark.jobs.search;

import dev.stepwise.search.Mode;
import dev.stepwise.search.PatsMethod;
import dev.stepwise.spark.runtime.ReportCharts;
import dev.stepwise.spark.runtime.RunLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Accuracy against tokens per method, overall and per language (the PATS paper's main table), the
 * PATS mode histogram and accuracy by the mode of the final step, from a round's search_traces.
 */
public final class PatsReport {

  /** One problem solved by one method. */
  record Problem(String method, String lang, boolean correct, long tokens, String finalMode) {}

  /** Accuracy and mean tokens of a group of problems. */
  public record Cell(int problems, double accuracy, double tokens) {
    static Cell of(List<Problem> problems) {
      int n = problems.size();
      return new Cell(
          n,
          problems.stream().filter(Problem::correct).count() / (double) Math.max(n, 1),
          problems.stream().mapToLong(Problem::tokens).sum() / (double) Math.max(n, 1));
    }
  }

  /** PATS's iterations in one mode, and the problems whose final step was chosen in it. */
  public record ModeCell(long iterations, Cell finalIn) {}

  private final String scorerId;
  private final Map<String, Cell> overall = new LinkedHashMap<>();
  private final Map<String, Map<String, Cell>> byLanguage = new LinkedHashMap<>();
  private final Map<String, ModeCell> modes = new LinkedHashMap<>();

  private PatsReport(String scorerId) {
    this.scorerId = scorerId;
  }

  /**
   * @param rows search_traces rows with method, prompt_id, lang, iteration, mode, action,
   *     chosen_score, correct, total_tokens
   */
  public static PatsReport of(List<Row> rows, String scorerId) {
    Map<String, Problem> problems = new TreeMap<>();
    Map<String, Long> iterationsPerMode = new LinkedHashMap<>();
    for (Mode m : Mode.values()) iterationsPerMode.put(m.label(), 0L);
    for (Row r : rows) {
      String method = r.getAs("method");
      String key = method + "\u0000" + r.getAs("prompt_id");
      Boolean correct = r.getAs("correct");
      Integer tokens = r.getAs("total_tokens");
      String finalMode = "final".equals(r.getAs("action")) ? r.getAs("mode") : null;
      Problem before = problems.get(key);
      problems.put(
          key,
          new Problem(
              method,
              r.getAs("lang"),
              Boolean.TRUE.equals(correct),
              tokens == null ? 0 : tokens,
              finalMode != null ? finalMode : before == null ? null : before.finalMode()));
      if (method.equals(PatsMethod.PATS.label()))
        iterationsPerMode.merge(r.getAs("mode"), 1L, Long::sum);
    }
    PatsReport report = new PatsReport(scorerId);
    List<String> methods = new ArrayList<>();
    for (PatsMethod m : PatsMethod.values())
      if (problems.values().stream().anyMatch(p -> p.method().equals(m.label())))
        methods.add(m.label());
    TreeSet<String> languages = new TreeSet<>();
    problems.values().forEach(p -> languages.add(p.lang() == null ? "-" : p.lang()));
    for (String method : methods) {
      List<Problem> mine =
          problems.values().stream().filter(p -> p.method().equals(method)).toList();
      report.overall.put(method, Cell.of(mine));
      Map<String, Cell> perLang = new LinkedHashMap<>();
      for (String lang : languages)
        perLang.put(
            lang,
            Cell.of(
                mine.stream()
                    .filter(p -> lang.equals(p.lang() == null ? "-" : p.lang()))
                    .toList()));
      report.byLanguage.put(method, perLang);
    }
    List<Problem> pats =
        problems.values().stream().filter(p -> p.method().equals(PatsMethod.PATS.label())).toList();
    if (!pats.isEmpty()) {
      iterationsPerMode.forEach(
          (mode, n) ->
              report.modes.put(
                  mode,
                  new ModeCell(
                      n, Cell.of(pats.stream().filter(p -> mode.equals(p.finalMode())).toList()))));
      report.modes.put(
          "unfinished",
          new ModeCell(0, Cell.of(pats.stream().filter(p -> p.finalMode() == null).toList())));
    }
    return report;
  }

  public Map<String, Cell> overall() {
    return overall;
  }

  public Map<String, ModeCell> modes() {
    return modes;
  }

  /** Per method: problems, accuracy, tokens per problem (the manifest's metric). */
  public Map<String, Object> methodMetrics() {
    Map<String, Object> out = new LinkedHashMap<>();
    overall.forEach(
        (method, c) ->
            out.put(
                method,
                Map.of(
                    "problems", c.problems(),
                    "accuracy", c.accuracy(),
                    "tokens_per_problem", c.tokens())));
    return out;
  }

  /** Per PATS mode: iterations, and problems/accuracy by the mode of their final step. */
  public Map<String, Object> modeMetrics() {
    Map<String, Object> out = new LinkedHashMap<>();
    modes.forEach(
        (mode, m) ->
            out.put(
                mode,
                Map.of(
                    "iterations", m.iterations(),
                    "final_problems", m.finalIn().problems(),
                    "final_accuracy", m.finalIn().accuracy())));
    return out;
  }

  /** The accuracy-versus-tokens table, overall. */
  public String table() {
    Cell complex = overall.get(PatsMethod.ALL_COMPLEX.label());
    StringBuilder t = new StringBuilder();
    t.append("| method | problems | accuracy | tokens/problem | tokens vs all-complex |\n");
    t.append("|---|---:|---:|---:|---:|\n");
    overall.forEach(
        (method, c) ->
            t.append(
                String.format(
                    Locale.ROOT,
                    "| %s | %d | %.1f%% | %.0f | %s |%n",
                    method,
                    c.problems(),
                    100 * c.accuracy(),
                    c.tokens(),
                    complex == null || complex.tokens() == 0
                        ? "-"
                        : String.format(
                            Locale.ROOT, "%.0f%%", 100 * c.tokens() / complex.tokens()))));
    return t.toString();
  }

  /** Accuracy (and tokens per problem) per language, a column per language. */
  public String languageTable() {
    List<String> languages =
        byLanguage.isEmpty()
            ? List.of()
            : List.copyOf(byLanguage.values().iterator().next().keySet());
    StringBuilder t = new StringBuilder("| method |");
    languages.forEach(l -> t.append(' ').append(l).append(" |"));
    t.append("\n|---|").append("---:|".repeat(languages.size())).append('\n');
    byLanguage.forEach(
        (method, cells) -> {
          t.append("| ").append(method).append(" |");
          for (String l : languages) {
            Cell c = cells.get(l);
            t.append(
                String.format(Locale.ROOT, " %.0f%% / %.0f |", 100 * c.accuracy(), c.tokens()));
          }
          t.append('\n');
        });
    return t.toString();
  }

  /** PATS's mode histogram and accuracy by the mode its final step was chosen in. */
  public String modeTable() {
    long all = modes.values().stream().mapToLong(ModeCell::iterations).sum();
    StringBuilder t =
        new StringBuilder(
            "| mode | PATS iterations | share | problems finished in it | their accuracy |\n"
                + "|---|---:|---:|---:|---:|\n");
    modes.forEach(
        (mode, m) ->
            t.append(
                String.format(
                    Locale.ROOT,
                    "| %s | %s | %s | %d | %s |%n",
                    mode,
                    mode.equals("unfinished") ? "-" : Long.toString(m.iterations()),
                    mode.equals("unfinished")
                        ? "-"
                        : String.format(
                            Locale.ROOT, "%.0f%%", 100.0 * m.iterations() / Math.max(all, 1)),
                    m.finalIn().problems(),
                    m.finalIn().problems() == 0
                        ? "-"
                        : String.format(Locale.ROOT, "%.1f%%", 100 * m.finalIn().accuracy()))));
    return t.toString();
  }

  /** Writes reports/pats.md and reports/pats.png. */
  public void write(RunLayout layout) {
    StringBuilder md = new StringBuilder("# PATS: accuracy against tokens\n\n");
    md.append(
        "Every method searched the same problems with the same policy; tokens count every sampled"
            + " token, rejected and filtered candidates included. PRM: `"
            + scorerId
            + "`.\n\n");
    md.append(table()).append("\nAccuracy / tokens per problem by language:\n\n");
    md.append(languageTable());
    if (!modes.isEmpty()) md.append("\nPATS thinking modes:\n\n").append(modeTable());
    md.append("\n![accuracy against tokens](pats.png)\n");
    layout.writeAtomically(new Path(layout.reports(), "pats.md"), md.toString());
    XYSeriesCollection data = new XYSeriesCollection();
    overall.forEach(
        (method, c) -> {
          XYSeries s = new XYSeries(method);
          s.add(c.tokens(), 100 * c.accuracy());
          data.addSeries(s);
        });
    JFreeChart chart =
        ChartFactory.createScatterPlot(
            "PATS and baselines",
            "tokens per problem",
            "accuracy %",
            data,
            PlotOrientation.VERTICAL,
            true,
            false,
            false);
    ReportCharts.writePng(layout, "pats.png", chart, 720, 400);
  }
}
