package dev.stepwise.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stepwise.spark.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqlCommandTest {
  @TempDir Path tmp;

  @Test
  void queriesTheRunsDatasetsByNameAndPrintsJsonLines() throws Exception {
    String run = tmp.resolve("run").toString();
    Path bad = tmp.resolve("bad.jsonl");
    Files.writeString(
        bad, "{\"question\": \"What is 2 + 2?\", \"answer\": \"4\"}\n{\"question\": broken\n");
    assertThat(
            Cli.run("import", "mgsm", "--input", Cli.resource("mgsm-slice"), "--run", run)
                .exitCode())
        .isZero();
    assertThat(
            Cli.run(
                    "import",
                    "jsonl",
                    "--input",
                    bad.toString(),
                    "--map",
                    "question=question",
                    "--map",
                    "gold=answer",
                    "--split",
                    "train",
                    "--source",
                    "mine",
                    "--run",
                    run)
                .exitCode())
        .isZero();

    Cli.Result counts =
        Cli.run(
            "sql",
            "--run",
            run,
            "SELECT source, lang, count(*) AS n FROM prompts GROUP BY source, lang ORDER BY source, lang");
    assertThat(counts.exitCode()).as(counts.err()).isZero();
    assertThat(counts.out().lines())
        .containsExactly(
            "{\"source\":\"mgsm\",\"lang\":\"de\",\"n\":6}",
            "{\"source\":\"mgsm\",\"lang\":\"en\",\"n\":5}",
            "{\"source\":\"mgsm\",\"lang\":\"zh\",\"n\":5}",
            "{\"source\":\"mine\",\"lang\":\"en\",\"n\":1}");

    Cli.Result rejected = Cli.run("sql", "--run", run, "SELECT dataset, line FROM rejected");
    assertThat(rejected.out().lines()).containsExactly("{\"dataset\":\"prompts\",\"line\":2}");

    // Several queries in one session, one file each; null columns are kept.
    Path out = tmp.resolve("out");
    Cli.Result two =
        Cli.run(
            "sql",
            "--run",
            run,
            "--out",
            out.toString(),
            "SELECT count(*) AS n FROM prompts",
            "SELECT id, solution FROM prompts WHERE source = 'mine'");
    assertThat(two.exitCode()).as(two.err()).isZero();
    assertThat(Files.readAllLines(out.resolve("1.jsonl"))).containsExactly("{\"n\":17}");
    assertThat(Files.readAllLines(out.resolve("2.jsonl")))
        .containsExactly("{\"id\":\"mine/train/1\",\"solution\":null}");
    assertThat(Cli.run("sql", "--run", run, "SELECT 1", "SELECT 2").exitCode()).isEqualTo(2);
  }

  @Test
  void aBadQueryIsOneLineNamingTheViews() {
    String run = tmp.resolve("run").toString();
    assertThat(
            Cli.run("import", "mgsm", "--input", Cli.resource("mgsm-slice"), "--run", run)
                .exitCode())
        .isZero();
    // A dataset no stage has written yet is an empty view with its schema's columns.
    Path out = tmp.resolve("out");
    Cli.Result empty =
        Cli.run(
            "sql",
            "--run",
            run,
            "--out",
            out.toString(),
            "SELECT prompt_id, chosen FROM step_pairs");
    assertThat(empty.exitCode()).as(empty.err()).isZero();
    assertThat(out.resolve("1.jsonl")).isEmptyFile();
    assertThat(out.resolve("1.columns")).hasContent("prompt_id\nchosen\n");
    Cli.Result missing = Cli.run("sql", "--run", run, "SELECT * FROM step_pair");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err())
        .startsWith("stepwise: error: query failed:")
        .contains("views: prompts, solutions");
    assertThat(missing.err().lines()).hasSize(1);
  }
}
