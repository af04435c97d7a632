package dev.stepwise.spark.jobs.multilingual;

import dev.stepwise.multilingual.NeuronComparison;
import dev.stepwise.multilingual.NeuronReport;
import dev.stepwise.multilingual.NeuronType;
import dev.stepwise.spark.runtime.ReportCharts;
import dev.stepwise.spark.runtime.RunLayout;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** PNG line charts of language-neuron counts per layer, written to &lt;run&gt;/reports/. */
final class NeuronCharts {
  private static final List<NeuronType> TYPES =
      List.of(NeuronType.SPECIFIC, NeuronType.RELATED, NeuronType.GENERAL);

  private NeuronCharts() {}

  /**
   * Specific, related and general neurons per layer of one model; returns the chart's path relative
   * to the run.
   */
  static String perLayer(RunLayout layout, String modelId, NeuronReport report) {
    XYSeriesCollection data = new XYSeriesCollection();
    for (NeuronType type : TYPES) data.addSeries(series(type.label(), report.perLayer(type)));
    return chart(
        layout,
        "neurons-" + fileName(modelId) + ".png",
        ChartFactory.createXYLineChart(
            "Language neurons per layer: " + modelId,
            "layer",
            "neurons",
            data,
            PlotOrientation.VERTICAL,
            true,
            false,
            false));
  }

  /** After − before per layer and type. */
  static String delta(RunLayout layout, String afterId, NeuronComparison.Result comparison) {
    XYSeriesCollection data = new XYSeriesCollection();
    for (Map.Entry<NeuronType, int[]> e : comparison.perLayerDelta().entrySet())
      data.addSeries(series(e.getKey().label(), e.getValue()));
    return chart(
        layout,
        "neurons-delta-" + fileName(afterId) + ".png",
        ChartFactory.createXYLineChart(
            "Change per layer (after - before): " + afterId,
            "layer",
            "delta neurons",
            data,
            PlotOrientation.VERTICAL,
            true,
            false,
            false));
  }

  /**
   * Writes a chart of the multilingual reports (900 × 500) to reports/NAME; returns its path
   * relative to the run.
   */
  static String chart(RunLayout layout, String name, JFreeChart chart) {
    return ReportCharts.writePng(layout, name, chart, 900, 500);
  }

  private static XYSeries series(String name, int[] perLayer) {
    XYSeries s = new XYSeries(name);
    for (int layer = 0; layer < perLayer.length; layer++) s.add(layer, perLayer[layer]);
    return s;
  }

  private static String fileName(String modelId) {
    return modelId.replaceAll("[^A-Za-z0-9._-]+", "_");
  }
}
