package dev.stepwise.tasks;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** JSONL files of {@link TaskExample}s, one object a line, snake_case keys (parallel_id). */
public final class TaskExamples {
  private static final Gson GSON =
      new GsonBuilder()
          .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
          .disableHtmlEscaping()
          .create();

  private TaskExamples() {}

  public static void writeJsonl(List<TaskExample> examples, Path file) {
    try {
      if (file.getParent() != null) Files.createDirectories(file.getParent());
      try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        for (TaskExample e : examples) {
          w.write(GSON.toJson(e));
          w.write('\n');
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  public static List<TaskExample> readJsonl(Path file) {
    List<TaskExample> out = new ArrayList<>();
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).isBlank()) continue;
        try {
          TaskExample e = GSON.fromJson(lines.get(i), TaskExample.class);
          if (e.prompt() == null || e.completion() == null)
            throw new JsonParseException("missing \"prompt\" or \"completion\"");
          out.add(e);
        } catch (JsonParseException ex) {
          throw new IllegalArgumentException(
              file + " line " + (i + 1) + ": expected a task example object: " + ex.getMessage(),
              ex);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return out;
  }
}
