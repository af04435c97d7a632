package dev.stepwise.spark.cli;

import com.google.inject.Injector;
import dev.stepwise.importers.FieldMapping;
import dev.stepwise.importers.SourceFormat;
import dev.stepwise.spark.jobs.ImportJob;
import dev.stepwise.spark.runtime.StepwiseException;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `stepwise import gsm8k|mgsm|jsonl|parquet`: input files to the run's prompts dataset. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Import problems into <run>/data/prompts (bad rows into <run>/data/_rejected).",
      "Exit status: 0 when rows were imported, 1 when none were (or any were rejected with --strict);",
      "a failed import leaves the run's prompts as they were and is recorded as failed in run.json."
    })
public final class ImportCommand {
  @Spec CommandSpec spec;

  /** Options shared by every import. */
  static final class ImportOptions {
    @Option(
        names = "--input",
        required = true,
        paramLabel = "PATH",
        description = "Input file or directory (any Hadoop URI).")
    String input;

    @Option(
        names = "--source",
        description = "prompts.source of the rows (default: the format name).")
    String source;

    @Option(
        names = "--split",
        description = "prompts.split (default: from the file name: train, test, validation, dev).")
    String split;

    @Option(
        names = "--lang",
        description = "Language of the rows (default: from mgsm_<lang>.tsv, else en).")
    String lang;

    @Option(names = "--strict", description = "Fail (exit 1) when any row is rejected.")
    boolean strict;

    @Mixin CommonOptions common;
  }

  @Command(
      name = "gsm8k",
      mixinStandardHelpOptions = true,
      description = "GSM8K jsonl: {question, answer}; gold after '#### '.")
  int gsm8k(@Mixin ImportOptions options) {
    return run(SourceFormat.GSM8K, options, null);
  }

  @Command(
      name = "mgsm",
      mixinStandardHelpOptions = true,
      description =
          "MGSM mgsm_<lang>.tsv: question<TAB>gold, no header; line i of every file is one problem.")
  int mgsm(@Mixin ImportOptions options) {
    return run(SourceFormat.MGSM, options, null);
  }

  @Command(
      name = "jsonl",
      mixinStandardHelpOptions = true,
      description = "Any JSON-lines file, with a column mapping.")
  int jsonl(
      @Mixin ImportOptions options,
      @Option(
              names = "--map",
              required = true,
              paramLabel = "COLUMN=FIELD",
              description =
                  "Map a prompts column to an input field: question (required), gold, solution, id, lang, parallel_id.")
          Map<String, String> map) {
    return run(SourceFormat.JSONL, options, mapping(map));
  }

  @Command(
      name = "parquet",
      mixinStandardHelpOptions = true,
      description = "Parquet files, with a column mapping.")
  int parquet(
      @Mixin ImportOptions options,
      @Option(
              names = "--map",
              required = true,
              paramLabel = "COLUMN=FIELD",
              description =
                  "Map a prompts column to an input column: question (required), gold, solution, id, lang, parallel_id.")
          Map<String, String> map) {
    return run(SourceFormat.PARQUET, options, mapping(map));
  }

  private static FieldMapping mapping(Map<String, String> map) {
    try {
      return FieldMapping.parse(map);
    } catch (IllegalArgumentException e) {
      throw new StepwiseException("--map: " + e.getMessage());
    }
  }

  private int run(SourceFormat format, ImportOptions o, FieldMapping mapping) {
    Injector injector = o.common.injector();
    PrintWriter out = spec.commandLine().getOut();
    try {
      Reports.printImport(
          out,
          injector
              .getInstance(ImportJob.class)
              .run(
                  new ImportJob.Request(
                      format, o.input, o.source, o.split, o.lang, mapping, o.strict)));
      return 0;
    } catch (ImportJob.Refused refused) {
      Reports.printImport(out, refused.result());
      spec.commandLine().getErr().println("stepwise: " + refused.getMessage());
      return 1;
    }
  }
}
