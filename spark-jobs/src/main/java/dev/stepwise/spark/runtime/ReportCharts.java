package dev.stepwise.spark.runtime;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.hadoop.fs.Path;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;

/** Writes the run's PNG charts into &lt;run&gt;/reports/, on any Hadoop file system. */
public final class ReportCharts {
  private ReportCharts() {}

  /** Writes {@code chart} to reports/NAME; returns its path relative to the run. */
  public static String writePng(
      RunLayout layout, String name, JFreeChart chart, int width, int height) {
    Path target = new Path(layout.reports(), name);
    try (OutputStream out = layout.fs().create(target, true)) {
      ChartUtils.writeChartAsPNG(out, chart, width, height);
    } catch (IOException e) {
      throw new StepwiseException("cannot write chart " + target + ": " + e.getMessage(), e);
    }
    return layout.relative(target);
  }
}
