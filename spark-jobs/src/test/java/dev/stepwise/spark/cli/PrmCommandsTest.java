package dev.stepwise.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.spark.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `stepwise prm score` on an imported step-labelled JSONL file, and its bad-input errors. */
class PrmCommandsTest {

  @Test
  void scoresEveryStepOfEveryRowAndReportsAucOverTheLabels(@TempDir Path tmp) throws Exception {
    Path input = tmp.resolve("steps.jsonl");
    Files.writeString(
        input,
        """
        {"id": "a", "question": "Tom has 12 apples. He eats 4. How many are left?", "steps": ["Step 1: 12 - 4 = 8. The answer is \\\\boxed{8}."], "labels": ["+"]}
        {"id": "b", "question": "Tom has 12 apples. He eats 4. How many are left?", "steps": ["Step 1: 12 - 4 = 9. The answer is \\\\boxed{9}."], "labels": [0]}
        {"id": "c", "question": "Ann has 3 pens and buys 5. How many now?", "steps": ["Step 1: 3 + 5 = 8", "Step 2: 8 * 1 = 8. The answer is \\\\boxed{8}."]}
        """);
    Path output = tmp.resolve("scores.jsonl");
    Cli.Result r =
        Cli.run(
            "prm",
            "score",
            "--model",
            Cli.tinyM1(),
            "--input",
            input.toString(),
            "--output",
            output.toString(),
            "--run",
            tmp.resolve("run").toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("scored 4 steps of 3 partial solutions").contains("AUC");
    List<String> lines = Files.readAllLines(output);
    assertThat(lines).hasSize(3);
    JsonObject c = JsonParser.parseString(lines.get(2)).getAsJsonObject();
    assertThat(c.get("id").getAsString()).isEqualTo("c");
    assertThat(c.getAsJsonArray("step_scores")).hasSize(2);
    double score = c.get("score").getAsDouble();
    assertThat(score).isBetween(0.0, 1.0);
    assertThat(c.getAsJsonArray("step_scores").get(1).getAsDouble()).isEqualTo(score);
    assertThat(c.has("labels")).isFalse();
  }

  @Test
  void aBadLabelOrAStepCountMismatchNamesTheFileAndRow(@TempDir Path tmp) throws Exception {
    Path bad = tmp.resolve("bad.jsonl");
    Files.writeString(
        bad,
        """
        {"question": "q", "steps": ["Step 1: 1 + 1 = 2"], "labels": [true]}
        {"question": "q", "steps": ["Step 1: 1 + 1 = 2"], "labels": ["maybe"]}
        """);
    assertThat(trainOn(bad, tmp).err())
        .contains(bad + " row 2: label maybe is not true/false, 1/0 or \"+\"/\"-\"");
    Files.writeString(
        bad, "{\"question\": \"q\", \"steps\": [\"Step 1: 1 + 1 = 2\"], \"labels\": [1, 0]}\n");
    assertThat(trainOn(bad, tmp).err())
        .contains(bad + " row 1: labelled solution row-1 has 1 steps but 2 labels");
  }

  /** `prm train --data FILE`, which must fail (exit 1). */
  private static Cli.Result trainOn(Path data, Path tmp) {
    Cli.Result r =
        Cli.run(
            "prm",
            "train",
            "--model",
            Cli.tinyM1(),
            "--out",
            tmp.resolve("out").toString(),
            "--data",
            data.toString(),
            "--run",
            tmp.resolve("run").toString());
    assertThat(r.exitCode()).isEqualTo(1);
    return r;
  }
}
