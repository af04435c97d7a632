package dev.stepwise.spark.cli;

import dev.stepwise.spark.jobs.ImportJob;
import java.io.PrintWriter;
import java.util.Map;

/** The short tables commands end with. */
final class Reports {
  private Reports() {}

  static void printImport(PrintWriter out, ImportJob.Result r) {
    out.printf(
        "import %s: %d imported, %d rejected, from %d file(s)%n",
        r.source(), r.imported(), r.rejected(), r.files().size());
    printCounts(out, new String[] {"split", "lang"}, r.counts());
    out.flush();
  }

  /** Rows per key, where a key is its columns joined by '/'. */
  static void printCounts(PrintWriter out, String[] columns, Map<String, Long> counts) {
    StringBuilder header = new StringBuilder("  ");
    for (String c : columns) header.append(String.format("%-10s", c));
    out.println(header.append(String.format("%8s", "rows")));
    counts.forEach(
        (key, n) -> {
          StringBuilder line = new StringBuilder("  ");
          for (String part : key.split("/", columns.length))
            line.append(String.format("%-10s", part));
          out.println(line.append(String.format("%8d", n)));
        });
  }
}
