package dev.stepwise.spark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.io.Serializable;
import java.util.List;

/**
 * stepwise.sft.data: where the M0 -> M1 mixture comes from (the sft stage and `stepwise sft
 * --run`).
 *
 * @param ift "synthetic" and/or prompts of the run with a step-format solution, as "SOURCE/SPLIT"
 * @param eft "synthetic", "from_ift" (judge examples built from the imported IFT solutions), and/or
 *     JSONL/Parquet files of judge examples in the paper's format (a path or URI ending in .jsonl
 *     or .parquet)
 * @param maxIft most imported IFT solutions taken, a seeded sample (0 = all)
 * @param maxEft most solutions turned into judge pairs by from_ift, a seeded sample (0 = all)
 */
public record SftDataConfig(List<String> ift, List<String> eft, int maxIft, int maxEft)
    implements Serializable {
  public static final String SYNTHETIC = "synthetic";
  public static final String FROM_IFT = "from_ift";

  public SftDataConfig {
    ift = List.copyOf(ift);
    eft = List.copyOf(eft);
    for (String s : ift) {
      if (!s.equals(SYNTHETIC) && !s.matches("[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")) {
        throw new ConfigException.BadValue(
            "stepwise.sft.data.ift",
            "entries are \"synthetic\" or \"SOURCE/SPLIT\" of imported prompts, found \""
                + s
                + "\"");
      }
    }
    for (String s : eft) {
      if (!s.equals(SYNTHETIC) && !s.equals(FROM_IFT) && !isJudgeFile(s)) {
        throw new ConfigException.BadValue(
            "stepwise.sft.data.eft",
            "entries are \"synthetic\", \"from_ift\" or a .jsonl/.parquet"
                + " file of judge examples, found \""
                + s
                + "\"");
      }
    }
    if (eft.contains(FROM_IFT) && ift.stream().allMatch(SYNTHETIC::equals)) {
      throw new ConfigException.BadValue(
          "stepwise.sft.data.eft",
          "\"from_ift\" needs imported prompts (\"SOURCE/SPLIT\")"
              + " in stepwise.sft.data.ift to build judge pairs from");
    }
    if (ift.isEmpty() && eft.isEmpty())
      throw new ConfigException.BadValue("stepwise.sft.data", "ift and eft are both empty");
    if (maxIft < 0)
      throw new ConfigException.BadValue(
          "stepwise.sft.data.max_ift", "must be >= 0, got " + maxIft);
    if (maxEft < 0)
      throw new ConfigException.BadValue(
          "stepwise.sft.data.max_eft", "must be >= 0, got " + maxEft);
  }

  /** From the stepwise.sft.data section (SftConfig reads stepwise.sft). */
  static SftDataConfig from(Config d) {
    return new SftDataConfig(
        d.getStringList("ift"), d.getStringList("eft"), d.getInt("max_ift"), d.getInt("max_eft"));
  }

  /** The imported "SOURCE/SPLIT" entries of ift. */
  public List<String> importedIft() {
    return ift.stream().filter(s -> !s.equals(SYNTHETIC)).toList();
  }

  public boolean syntheticIft() {
    return ift.contains(SYNTHETIC);
  }

  public boolean syntheticEft() {
    return eft.contains(SYNTHETIC);
  }

  public boolean eftFromIft() {
    return eft.contains(FROM_IFT);
  }

  /** The JSONL/Parquet files of judge examples named in eft. */
  public List<String> judgeFiles() {
    return eft.stream().filter(SftDataConfig::isJudgeFile).toList();
  }

  private static boolean isJudgeFile(String entry) {
    return entry.endsWith(".jsonl") || entry.endsWith(".json") || entry.endsWith(".parquet");
  }
}
