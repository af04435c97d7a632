package dev.stepwise.spark.runtime;

import com.typesafe.config.ConfigException;
import dev.stepwise.schemas.SchemaMismatchException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A failure the user can fix (bad path, bad input, bad flag): the CLI prints its message as one
 * line.
 */
public class StepwiseException extends RuntimeException {
  public StepwiseException(String message) {
    super(message);
  }

  public StepwiseException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The one line that says what went wrong: the innermost failure the user can act on (Guice and
   * Spark wrap it, a Spark task failure carries the executor's exception as its cause), else the
   * root cause. What the console prints and what run.json records for a failed stage.
   */
  public static String oneLine(Throwable e) {
    Throwable known = innermostKnown(e);
    String text;
    if (known != null) {
      text = known.getMessage();
    } else {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) root = root.getCause();
      text = taskException(String.valueOf(root.getMessage()));
      if (text == null) text = root.getClass().getSimpleName() + ": " + root.getMessage();
    }
    text = String.valueOf(text).strip();
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline).strip();
  }

  /**
   * A failed barrier stage's SparkException carries the task's exception only as text ("... barrier
   * task ResultTask(4, 0) finished unsuccessfully.\njava.lang.IllegalStateException: non-finite
   * weight ..."): that line, with a StepwiseException's message as it is, or null.
   */
  private static String taskException(String message) {
    Matcher m = TASK_EXCEPTION.matcher(message);
    while (m.find()) {
      if (m.group(1).equals("SparkException")) continue;
      return m.group(1).equals(StepwiseException.class.getSimpleName())
          ? m.group(2)
          : m.group(1) + ": " + m.group(2);
    }
    return null;
  }

  private static final Pattern TASK_EXCEPTION =
      Pattern.compile(
          "(?:^|\\s)(?:[a-z_$][\\w$]*\\.)+([A-Z][\\w$]*(?:Exception|Error)): ([^\\n]+)",
          Pattern.MULTILINE);

  /** The innermost StepwiseException, config or schema error in the cause chain, or null. */
  public static Throwable innermostKnown(Throwable e) {
    Throwable known = null;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof StepwiseException
          || t instanceof ConfigException
          || t instanceof SchemaMismatchException) known = t;
    }
    return known;
  }
}
