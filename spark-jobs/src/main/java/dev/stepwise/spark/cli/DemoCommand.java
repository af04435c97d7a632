package dev.stepwise.spark.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;

import com.google.inject.Injector;
import dev.stepwise.importers.SourceFormat;
import dev.stepwise.schemas.Datasets;
import dev.stepwise.spark.config.DemoConfig;
import dev.stepwise.spark.jobs.ImportJob;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.Manifest;
import dev.stepwise.spark.runtime.RunLayout;
import dev.stepwise.spark.runtime.StepwiseException;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * `stepwise demo`: the end-to-end run on the embedded Spark: imports GSM8K test and MGSM, then runs
 * the self-rewarding loop on the tiny preset from the shipped M1 (with question- translation
 * alignment of M1, conf/demo.conf) and prints the per-round and before/after tables, then a small
 * PATS run with M1 and its table.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Run the pipeline end to end on the embedded Spark (default run: runs/demo).",
      "Imports GSM8K test and MGSM from stepwise.demo.data_dir, then runs `stepwise run` on the tiny",
      "preset starting from the shipped M1 (stepwise.demo.m1), aligning M1 on stepwise.align.languages, and",
      "prints the per-round table and the per-language accuracy before vs after alignment.",
      "Settings: conf/pipeline.conf, then conf/demo.conf (or --config FILE), then --set."
    })
public final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Override
  public Integer call() throws IOException {
    DemoConfig demo = useDemoSettings(common);
    Injector injector = common.injector();
    PrintWriter out = spec.commandLine().getOut();
    File data = dataDir(demo.dataDir());
    RunLayout layout = injector.getInstance(RunLayout.class);
    out.println("stepwise demo: run " + layout.root() + ", data " + data);
    ImportJob importer = injector.getInstance(ImportJob.class);
    Manifest manifest = Manifest.load(layout);
    for (ImportJob.Request request :
        List.of(
            new ImportJob.Request(
                SourceFormat.GSM8K,
                new File(data, "gsm8k/test.jsonl").getPath(),
                null,
                null,
                null,
                null),
            new ImportJob.Request(
                SourceFormat.MGSM, new File(data, "mgsm").getPath(), null, null, null, null))) {
      // A rerun resumes: imports that succeeded are kept, like the loop's stages.
      String stage = "import/" + request.format().defaultSource();
      if (manifest.succeeded(stage, null).isPresent()) {
        out.println("= " + stage + ": already done");
      } else {
        Reports.printImport(out, importer.run(request));
      }
    }
    summarize(out, injector.getInstance(DatasetIO.class));
    out.flush();
    int code = RunCommand.runLoop(injector, out);
    // A small PATS run after the rounds (stepwise.pats of conf/demo.conf): M1 as the policy and as
    // its own process reward model, against the baselines on the same problems.
    out.println("PATS with M1 (reports/pats.md):");
    PatsCommand.runAndPrint(injector, 1, out);
    return code;
  }

  /**
   * conf/demo.conf unless --config is given, and the shipped M1 as the rounds' start unless the
   * user chose a model.
   */
  static DemoConfig useDemoSettings(CommonOptions common) {
    if (common.config == null) {
      common.config = projectDir("conf/demo.conf", "the demo settings", "--config");
    }
    DemoConfig demo = DemoConfig.from(common.config().raw());
    if (!common.sets.containsKey("stepwise.model.m1")
        && !common.sets.containsKey("stepwise.model.init")) {
      common.sets.put(
          "stepwise.model.m1",
          projectDir(demo.m1(), "the shipped M1 checkpoint", "stepwise.demo.m1").getPath());
    }
    return demo;
  }

  /** What the run's prompts dataset holds, computed from its Parquet files. */
  private static void summarize(PrintWriter out, DatasetIO io) {
    Dataset<Row> prompts = io.read(Datasets.PROMPTS);
    Map<String, Long> counts = new TreeMap<>();
    for (Row r : prompts.groupBy("source", "split", "lang").count().collectAsList()) {
      counts.put(r.getString(0) + "/" + r.getString(1) + "/" + r.getString(2), r.getLong(3));
    }
    out.println("prompts in the run:");
    Reports.printCounts(out, new String[] {"source", "split", "lang"}, counts);
    Row links =
        prompts
            .where(col("source").equalTo("mgsm"))
            .groupBy("parallel_id")
            .agg(countDistinct("lang").as("langs"))
            .agg(countDistinct("parallel_id"), min("langs"), max("langs"))
            .first();
    out.printf(
        "mgsm parallel groups: %d, languages per group: %d to %d%n",
        links.getLong(0), links.getLong(1), links.getLong(2));
  }

  /**
   * A relative data dir is looked up in the project root, then each of its parents (../shared/data
   * works from a worktree).
   */
  static File dataDir(String configured) {
    return projectDir(
        configured, "demo data", "stepwise.demo.data_dir (the folder holding gsm8k/ and mgsm/)");
  }

  /**
   * A project file or folder: an absolute path, or looked up in the project root and then its
   * parents.
   */
  static File projectDir(String configured, String what, String key) {
    File file = new File(configured);
    if (file.isAbsolute()) {
      if (!file.exists())
        throw new StepwiseException(
            what + " not found: " + configured + " does not exist; set " + key);
      return file;
    }
    File base =
        new File(System.getProperty("stepwise.home", System.getProperty("user.dir")))
            .getAbsoluteFile();
    for (File b = base; b != null; b = b.getParentFile()) {
      File candidate = new File(b, configured);
      if (candidate.exists()) return candidate;
    }
    throw new StepwiseException(
        what + " not found: no " + configured + " in " + base + " or its parents; set " + key);
  }
}
