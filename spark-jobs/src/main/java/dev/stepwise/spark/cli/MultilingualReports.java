package dev.stepwise.spark.cli;

import dev.stepwise.multilingual.LayerStages;
import dev.stepwise.multilingual.NeuronComparison;
import dev.stepwise.multilingual.NeuronReport;
import dev.stepwise.multilingual.NeuronType;
import dev.stepwise.spark.jobs.multilingual.AlignEvalJob;
import dev.stepwise.spark.jobs.multilingual.AlignReport;
import dev.stepwise.spark.jobs.multilingual.NeuronDeactivation;
import dev.stepwise.spark.jobs.multilingual.NeuronsJob;
import dev.stepwise.spark.jobs.multilingual.TranslationPairsJob;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/** The tables the multilingual commands end with. */
final class MultilingualReports {
  private static final List<NeuronType> TYPES =
      List.of(NeuronType.SPECIFIC, NeuronType.RELATED, NeuronType.GENERAL);

  private MultilingualReports() {}

  static void printPairs(PrintWriter out, TranslationPairsJob.Result r) {
    out.printf(
        "translation pairs: %d written, %d rejected (no English partner)%n",
        r.total(), r.rejected());
    Reports.printCounts(out, new String[] {"src_lang"}, r.pairs());
    out.flush();
  }

  static void printAlignEval(PrintWriter out, AlignEvalJob.Result r) {
    out.print(AlignReport.table(r));
    out.flush();
  }

  static void printNeurons(PrintWriter out, NeuronsJob.Result r) {
    printAnalysis(out, r.dataset(), r.model());
    if (r.compared() != null) {
      printAnalysis(out, r.dataset(), r.compared());
      printComparison(out, r.model().modelId(), r.compared().modelId(), r.comparison());
      out.println("  chart: " + r.deltaChart());
    }
    out.flush();
  }

  private static void printAnalysis(PrintWriter out, String dataset, NeuronsJob.Analysis a) {
    NeuronReport report = a.report();
    out.printf(
        "language neurons of %s on %s: %d layers x %d neurons, K=%d, lambda=%.4f%s, tau=%.4f%n",
        a.modelId(),
        dataset,
        report.table().layers(),
        report.table().neurons(),
        report.languages().size(),
        report.lambda(),
        report.lambdaSatisfied() ? "" : " (not satisfied)",
        report.tau());
    out.printf("  %-22s %-7s %9s %9s %9s%n", "stage", "layers", "specific", "related", "general");
    LayerStages stages = report.stages();
    for (int s = 0; s < LayerStages.NAMES.size(); s++) {
      int first = stages.starts().get(s);
      int last =
          s + 1 < stages.starts().size()
              ? stages.starts().get(s + 1) - 1
              : report.table().layers() - 1;
      out.printf(
          "  %-22s %-7s %9d %9d %9d%n",
          LayerStages.NAMES.get(s),
          first + "-" + last,
          report.perStage(NeuronType.SPECIFIC)[s],
          report.perStage(NeuronType.RELATED)[s],
          report.perStage(NeuronType.GENERAL)[s]);
    }
    StringBuilder perLang = new StringBuilder("  per language (specific/related):");
    for (String lang : report.languages()) {
      perLang
          .append(' ')
          .append(lang)
          .append('=')
          .append(report.neurons(NeuronType.SPECIFIC, lang).size())
          .append('/')
          .append(report.neurons(NeuronType.RELATED, lang).size());
    }
    out.println(perLang);
    out.println("  chart: " + a.chart());
  }

  private static void printComparison(
      PrintWriter out, String before, String after, NeuronComparison.Result c) {
    out.printf("after (%s) - before (%s):%n", after, before);
    out.printf("  %-6s %9s %9s %9s%n", "layer", "specific", "related", "general");
    int layers = c.perLayerDelta().get(NeuronType.SPECIFIC).length;
    for (int layer = 0; layer < layers; layer++) {
      out.printf(
          "  %-6d %+9d %+9d %+9d%n",
          layer,
          c.perLayerDelta().get(NeuronType.SPECIFIC)[layer],
          c.perLayerDelta().get(NeuronType.RELATED)[layer],
          c.perLayerDelta().get(NeuronType.GENERAL)[layer]);
    }
    StringBuilder byN = new StringBuilder("  delta by N:");
    for (int n = 1; n < c.countsByNDelta().length; n++)
      byN.append(String.format(" N=%d:%+d", n, c.countsByNDelta()[n]));
    out.println(byN);
    out.printf(
        "  overlap before/after: specific %s, related %s%n",
        percent(c.specificOverlap()), percent(c.relatedOverlap()));
  }

  /** An overlap share; n/a when the base model has no neuron of the type. */
  private static String percent(double share) {
    return Double.isNaN(share) ? "n/a (none before)" : String.format("%.1f%%", 100 * share);
  }

  static void printDeactivation(PrintWriter out, NeuronDeactivation.Result r) {
    out.printf(
        "deactivating %s: %d specific, %d related neurons zeroed%n",
        r.deactivated(), r.specificNeurons(), r.relatedNeurons());
    out.printf(
        "  %-5s %7s %7s %7s %9s %9s %9s%n",
        "lang", "acc", "acc-S", "acc-S+R", "ppl", "ppl-S", "ppl-S+R");
    for (NeuronDeactivation.Row row : r.rows()) {
      out.printf(
          "  %-5s %7.1f %7.1f %7.1f %9.3f %9.3f %9.3f%n",
          row.lang(),
          100 * row.base().accuracy(),
          100 * row.specific().accuracy(),
          100 * row.withRelated().accuracy(),
          row.base().perplexity(),
          row.specific().perplexity(),
          row.withRelated().perplexity());
    }
    out.flush();
  }

  static void printMetrics(PrintWriter out, String what, Map<String, Double> metrics) {
    out.print(what + ":");
    metrics.forEach((k, v) -> out.printf(" %s=%.4g", k, v));
    out.println();
    out.flush();
  }
}
