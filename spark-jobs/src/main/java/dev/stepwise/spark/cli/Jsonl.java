package dev.stepwise.spark.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Output rows of the model commands: a file written whole (temp file, then rename), or standard
 * output.
 */
final class Jsonl {
  private Jsonl() {}

  static void write(List<String> lines, Path file, PrintWriter stdout) throws IOException {
    if (file == null) {
      lines.forEach(stdout::println);
      stdout.flush();
      return;
    }
    Path absolute = file.toAbsolutePath();
    Files.createDirectories(absolute.getParent());
    Path tmp = absolute.resolveSibling("." + absolute.getFileName() + ".tmp");
    Files.write(tmp, lines, StandardCharsets.UTF_8);
    Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
