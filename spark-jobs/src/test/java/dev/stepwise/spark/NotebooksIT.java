package dev.stepwise.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.spark.loop.SelfRewardLoopTest;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Executes notebooks/*.ipynb headless (jupyter-nbconvert, Debian's python3-ipykernel, pandas and
 * matplotlib) against a micro run this test makes, through notebooks/stepwise_nb.py's `stepwise
 * sql` path (Debian has no DuckDB for Python). Fails when any cell errors, and checks that each
 * notebook drew the figures it is meant to draw.
 */
class NotebooksIT {
  private static final File ROOT = new File("..").getAbsoluteFile().toPath().normalize().toFile();
  private static final Map<String, Integer> FIGURES =
      Map.of("01-open-a-run", 0, "02-self-rewarding", 1, "03-multilingual", 2);

  @TempDir Path tmp;

  @Test
  void everyNotebookRunsAgainstARealRun() throws Exception {
    Path run = tmp.resolve("run");
    List<String> args = new ArrayList<>(List.of("run"));
    args.addAll(SelfRewardLoopTest.micro(run));
    for (String kv :
        List.of(
            "stepwise.align.enabled=true",
            "stepwise.align.synthetic_problems=2",
            "stepwise.align.steps=1",
            "stepwise.align.batch_size=2",
            "stepwise.align.eval_problems=1")) {
      args.add("--set");
      args.add(kv);
    }
    Cli.Result loop = Cli.run(args.toArray(String[]::new));
    assertThat(loop.exitCode()).as(loop.err()).isZero();
    Cli.Result neurons =
        Cli.run(
            "neurons",
            "--run",
            run.toString(),
            "--model",
            run.resolve("checkpoints/round=1").toString(),
            "--set",
            "stepwise.neurons.problems_per_language=2");
    assertThat(neurons.exitCode()).as(neurons.err()).isZero();

    File[] notebooks = new File(ROOT, "notebooks").listFiles((d, n) -> n.endsWith(".ipynb"));
    assertThat(notebooks)
        .extracting(File::getName)
        .containsExactlyInAnyOrder(
            FIGURES.keySet().stream().map(n -> n + ".ipynb").toArray(String[]::new));
    for (File notebook : notebooks) {
      String name = notebook.getName().replace(".ipynb", "");
      JsonObject executed = execute(notebook, run);
      assertThat(countImages(executed)).as(name + " figures").isEqualTo(FIGURES.get(name));
    }
  }

  private JsonObject execute(File notebook, Path run) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
            "jupyter-nbconvert",
            "--to",
            "notebook",
            "--execute",
            "--ExecutePreprocessor.timeout=600",
            "--output-dir",
            tmp.toString(),
            notebook.getPath());
    // Debian's python3 carries ipykernel, pandas and matplotlib; put it before any other python3.
    pb.environment().put("PATH", "/usr/bin:" + System.getenv("PATH"));
    pb.environment().put("STEPWISE_RUN", run.toString());
    pb.environment().put("STEPWISE_NB_ENGINE", "stepwise");
    pb.environment().put("STEPWISE_BIN", new File(ROOT, "bin/stepwise").getPath());
    pb.directory(notebook.getParentFile());
    pb.redirectErrorStream(true);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new AssertionError(
          "jupyter-nbconvert is not installed: apt-get install jupyter-nbconvert "
              + "python3-ipykernel python3-pandas python3-matplotlib (.ci/run does)",
          e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(15, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(notebook.getName() + " failed:\n" + out).isZero();
    return JsonParser.parseString(Files.readString(tmp.resolve(notebook.getName())))
        .getAsJsonObject();
  }

  private static int countImages(JsonObject notebook) {
    int images = 0;
    for (JsonElement cell : notebook.getAsJsonArray("cells")) {
      JsonObject c = cell.getAsJsonObject();
      if (!c.has("outputs")) continue;
      for (JsonElement output : c.getAsJsonArray("outputs")) {
        JsonObject data = output.getAsJsonObject().getAsJsonObject("data");
        if (data != null && data.has("image/png")) images++;
      }
    }
    return images;
  }
}
