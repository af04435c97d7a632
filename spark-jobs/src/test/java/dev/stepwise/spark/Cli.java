package dev.stepwise.spark;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Runs `stepwise` commands in the test JVM, on the one shared local[2] SparkSession. */
public final class Cli {
  public record Result(int exitCode, String out, String err) {}

  private Cli() {}

  public static Result run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    if (!all.isEmpty() && !all.contains("--help")) {
      all.add("--master");
      all.add("local[2]");
    }
    return execute(all);
  }

  /** Runs a command that takes no Spark options (model, bench) as given. */
  public static Result runLocal(String... args) {
    return execute(List.of(args));
  }

  private static Result execute(List<String> all) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine(false);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(all.toArray(String[]::new));
    return new Result(code, out.toString(), err.toString());
  }

  /** ../shared/data from the project root, or from any parent folder (worktrees live deeper). */
  public static File sharedData() {
    for (File dir = new File("").getAbsoluteFile(); dir != null; dir = dir.getParentFile()) {
      File candidate = new File(dir, "shared/data");
      if (new File(candidate, "gsm8k/train.jsonl").isFile()) return candidate;
    }
    throw new IllegalStateException(
        "shared/data (GSM8K and MGSM) not found above " + new File("").getAbsolutePath());
  }

  /**
   * The shipped M1 (models/tiny-m1), a real trained model, from the project root or a parent
   * folder.
   */
  public static String tinyM1() {
    for (File dir = new File("").getAbsoluteFile(); dir != null; dir = dir.getParentFile()) {
      File candidate = new File(dir, "models/tiny-m1");
      if (new File(candidate, "model.safetensors").isFile()) return candidate.getPath();
    }
    throw new IllegalStateException(
        "models/tiny-m1 not found above " + new File("").getAbsolutePath());
  }

  public static String resource(String name) {
    return new File("src/test/resources/" + name).getAbsolutePath();
  }
}
