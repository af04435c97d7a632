package dev.stepwise.importers;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The known input formats: how a file is parsed, and what its name says about split and language.
 * GSM8K and MGSM are fixed; generic JSONL takes a mapping.
 */
public enum SourceFormat {
  /** GSM8K's train.jsonl / test.jsonl: {question, answer}, gold after "#### ". */
  GSM8K,
  /** MGSM's mgsm_xx.tsv: question TAB gold, no header, line i of every file is one problem. */
  MGSM,
  /** Any JSON-lines file with a column mapping. */
  JSONL,
  /** Parquet read by Spark with a column mapping. */
  PARQUET;

  private static final Pattern MGSM_LANG = Pattern.compile("mgsm_([a-z]{2,3})\\.tsv$");
  private static final Pattern SPLIT = Pattern.compile("(train|test|validation|dev)");
  public static final List<String> MGSM_COLUMNS = List.of("question", "answer");

  public String defaultSource() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Which files of a directory this format reads. */
  public boolean accepts(String fileName) {
    return switch (this) {
      case GSM8K, JSONL -> fileName.endsWith(".jsonl") || fileName.endsWith(".json");
      case MGSM -> MGSM_LANG.matcher(fileName).find();
      case PARQUET -> fileName.endsWith(".parquet");
    };
  }

  /** The fixed mapping of GSM8K and MGSM; generic formats have none and need one given. */
  public FieldMapping defaultMapping() {
    return switch (this) {
      case GSM8K -> FieldMapping.GSM8K;
      case MGSM -> FieldMapping.MGSM;
      case JSONL, PARQUET -> null;
    };
  }

  /** MGSM's files are parallel by line: line i of mgsm_xx.tsv translates line i of mgsm_en.tsv. */
  public boolean parallelByLine() {
    return this == MGSM;
  }

  /**
   * GSM8K's worked solutions are converted to the step format; other solutions must be in it
   * already.
   */
  public ImportSpec.Solutions solutions() {
    return this == GSM8K ? ImportSpec.Solutions.GSM8K : ImportSpec.Solutions.STEPS;
  }

  public RecordParser parser() {
    return switch (this) {
      case GSM8K, JSONL -> RecordParser.jsonLines();
      case MGSM -> RecordParser.tsv(MGSM_COLUMNS);
      case PARQUET ->
          throw new IllegalStateException("Parquet rows are read by Spark, not parsed from text");
    };
  }

  /**
   * The split a file name names (train.jsonl -> train), else {@code fallback}; MGSM is a test set.
   */
  public String splitOf(String fileName, String fallback) {
    if (fallback != null) return fallback;
    if (this == MGSM) return "test";
    Matcher m = SPLIT.matcher(fileName.toLowerCase(Locale.ROOT));
    if (m.find()) return m.group(1);
    throw new IllegalArgumentException(
        "cannot tell the split of " + fileName + " from its name; pass --split");
  }

  /** The language a file name names (mgsm_de.tsv -> de), else {@code fallback}. */
  public String langOf(String fileName, String fallback) {
    if (fallback != null) return fallback;
    if (this == MGSM) {
      Matcher m = MGSM_LANG.matcher(fileName);
      if (m.find()) return m.group(1);
      throw new IllegalArgumentException(
          "cannot tell the language of " + fileName + " (expected mgsm_<lang>.tsv); pass --lang");
    }
    return "en";
  }
}
