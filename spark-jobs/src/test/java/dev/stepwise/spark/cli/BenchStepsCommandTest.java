package dev.stepwise.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.spark.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchStepsCommandTest {
  @TempDir Path tmp;

  /**
   * The shipped M1 on 8 held-out problems, w = 4 at T 1.5 (so that the judge decides on some
   * prefixes): every row counts the same prefixes, and the oracle is never below another row.
   */
  private Cli.Result bench(Path run) {
    return Cli.runLocal(
        "bench",
        "steps",
        "--policy",
        Cli.tinyM1(),
        "--problems",
        "8",
        "--batch",
        "4",
        "--set",
        "stepwise.search.candidates=4",
        "--set",
        "stepwise.sampling.temperature=1.5",
        "--set",
        "stepwise.tasks.languages=[en,de]",
        "--run",
        run.toString());
  }

  @Test
  void countsAddUpTheOracleBoundsEveryRowAndASeedGivesTheSameTable() throws IOException {
    Cli.Result r = bench(tmp.resolve("a"));
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("w = 4, sampling T 1.5", "4/8 problems", "8/8 problems")
        .containsPattern("(?m)^  greedy +\\d+/16 ")
        .containsPattern("(?m)^  judge's rejected +- +\\d+/\\d+ ")
        .contains("chosen - greedy on decided prefixes:")
        .containsPattern("(?m)^  1 +" + "\\d+ ");
    JsonObject json =
        JsonParser.parseString(Files.readString(tmp.resolve("a/reports/steps.json")))
            .getAsJsonObject();
    assertThat(Files.readString(tmp.resolve("a/reports/steps.md")))
        .contains("oracle best-of-w", "greedy");
    JsonArray outcomes = json.getAsJsonArray("outcomes");
    JsonObject table = json.getAsJsonObject("table");
    // 8 two-step problems: 16 prefixes, each counted once in every row.
    assertThat(outcomes).hasSize(16);
    assertThat(table.get("prefixes").getAsInt()).isEqualTo(16);
    int decided = 0;
    for (JsonElement e : outcomes) {
      JsonObject o = e.getAsJsonObject();
      boolean oracle = o.get("oracle").getAsBoolean();
      // The oracle takes a right candidate whenever there is one: random, chosen and rejected are
      // candidates.
      for (String row : new String[] {"random", "chosen", "rejected"})
        if (o.get(row).getAsBoolean()) assertThat(oracle).as(row + " of " + o).isTrue();
      if (o.get("rejected").getAsBoolean()) assertThat(o.get("margin").getAsInt()).isPositive();
      decided += o.get("margin").getAsInt() >= 1 ? 1 : 0;
    }
    assertThat(table.get("decided").getAsInt()).isEqualTo(decided).isPositive();
    int oracleAll = -1, oracleDecided = -1;
    for (JsonElement e : table.getAsJsonArray("rows")) {
      JsonObject row = e.getAsJsonObject();
      if (row.has("all")) {
        assertThat(row.getAsJsonObject("all").get("total").getAsInt()).isEqualTo(16);
        if (row.get("name").getAsString().startsWith("oracle"))
          oracleAll = row.getAsJsonObject("all").get("right").getAsInt();
      }
      assertThat(row.getAsJsonObject("decided").get("total").getAsInt()).isEqualTo(decided);
      if (row.get("name").getAsString().startsWith("oracle"))
        oracleDecided = row.getAsJsonObject("decided").get("right").getAsInt();
    }
    for (JsonElement e : table.getAsJsonArray("rows")) {
      JsonObject row = e.getAsJsonObject();
      if (row.has("all"))
        assertThat(row.getAsJsonObject("all").get("right").getAsInt())
            .as(row.get("name").getAsString())
            .isLessThanOrEqualTo(oracleAll);
      assertThat(row.getAsJsonObject("decided").get("right").getAsInt())
          .as(row.get("name").getAsString())
          .isLessThanOrEqualTo(oracleDecided);
    }

    // The same seed gives the same outcomes; the table is the same text.
    Cli.Result again = bench(tmp.resolve("b"));
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(Files.readString(tmp.resolve("b/reports/steps.json")))
        .isEqualTo(Files.readString(tmp.resolve("a/reports/steps.json")));
  }
}
