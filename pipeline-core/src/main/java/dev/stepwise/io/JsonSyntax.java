package dev.stepwise.io;

import com.google.gson.JsonParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line saying why a line is not JSON, for rejection reasons and errors: where (column) and
 * what, without Gson's internals (its JSON path, its lenient-mode advice, its troubleshooting
 * link).
 */
public final class JsonSyntax {
  private static final Pattern GSON =
      Pattern.compile("^(.*?) at line \\d+ column (\\d+)(?: path \\S*)?", Pattern.DOTALL);

  private JsonSyntax() {}

  /** E.g. {@code broken JSON at column 20: the line ends inside a value}. */
  public static String describe(JsonParseException e) {
    Throwable root = e;
    while (root.getCause() != null) root = root.getCause();
    String message = root.getMessage() == null ? "" : root.getMessage();
    Matcher m = GSON.matcher(message);
    if (!m.find()) return "broken JSON: " + message.lines().findFirst().orElse("not valid JSON");
    return "broken JSON at column " + m.group(2) + ": " + what(m.group(1));
  }

  private static String what(String gson) {
    if (gson.startsWith("End of input")) return "the line ends inside a value";
    if (gson.contains("malformed JSON"))
      return "not valid JSON (unquoted text, a stray character or a missing comma)";
    if (gson.startsWith("Unterminated"))
      return gson.toLowerCase().replace("unterminated", "unclosed");
    return Character.toLowerCase(gson.charAt(0)) + gson.substring(1);
  }
}
