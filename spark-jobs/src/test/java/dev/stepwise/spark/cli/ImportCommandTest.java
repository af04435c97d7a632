package dev.stepwise.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stepwise.spark.Cli;
import dev.stepwise.spark.ParquetFiles;
import dev.stepwise.spark.runtime.Manifest;
import dev.stepwise.spark.runtime.StageRecord;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportCommandTest {
  @TempDir Path tmp;

  private String run() {
    return tmp.resolve("run").toString();
  }

  @Test
  void importsAllOfGsm8kAndMgsmWithExactCountsAndTranslationLinks() throws IOException {
    File data = Cli.sharedData();
    Cli.Result gsm =
        Cli.run("import", "gsm8k", "--input", new File(data, "gsm8k").getPath(), "--run", run());
    assertThat(gsm.exitCode()).as(gsm.err()).isZero();
    assertThat(gsm.out()).contains("import gsm8k: 8792 imported, 0 rejected, from 2 file(s)");
    Cli.Result mgsm =
        Cli.run("import", "mgsm", "--input", new File(data, "mgsm").getPath(), "--run", run());
    assertThat(mgsm.exitCode()).as(mgsm.err()).isZero();
    assertThat(mgsm.out()).contains("import mgsm: 2500 imported, 0 rejected, from 10 file(s)");

    List<GenericRecord> train =
        ParquetFiles.read(tmp.resolve("run/data/prompts/source=gsm8k/split=train"));
    List<GenericRecord> test =
        ParquetFiles.read(tmp.resolve("run/data/prompts/source=gsm8k/split=test"));
    assertThat(train).hasSize(7473);
    assertThat(test).hasSize(1319);
    GenericRecord first =
        test.stream()
            .filter(r -> r.get("id").toString().equals("gsm8k/test/1"))
            .findFirst()
            .orElseThrow();
    assertThat(first.get("gold").toString()).isEqualTo("18");
    assertThat(((Map<?, ?>) first.get("original"))).hasSize(2);

    List<GenericRecord> mgsmRows =
        ParquetFiles.read(tmp.resolve("run/data/prompts/source=mgsm/split=test"));
    assertThat(mgsmRows).hasSize(2500);
    Map<String, Set<String>> langsByGroup = new HashMap<>();
    Map<String, Long> perLang = new HashMap<>();
    for (GenericRecord r : mgsmRows) {
      langsByGroup
          .computeIfAbsent(r.get("parallel_id").toString(), k -> new HashSet<>())
          .add(r.get("lang").toString());
      perLang.merge(r.get("lang").toString(), 1L, Long::sum);
    }
    assertThat(perLang).hasSize(10).allSatisfy((lang, n) -> assertThat(n).isEqualTo(250L));
    assertThat(langsByGroup)
        .hasSize(250)
        .allSatisfy((group, langs) -> assertThat(langs).hasSize(10).contains("en"));
    // Line 3 of every file is the house-flipping problem; its gold keeps no separators.
    assertThat(
            mgsmRows.stream()
                .filter(r -> r.get("parallel_id").toString().equals("mgsm/test/3"))
                .map(r -> r.get("gold").toString())
                .distinct())
        .containsExactly("70000");

    List<StageRecord> stages = Manifest.parseStages(Files.readString(tmp.resolve("run/run.json")));
    assertThat(stages).extracting(StageRecord::name).containsExactly("import/gsm8k", "import/mgsm");
    assertThat(stages).allSatisfy(s -> assertThat(s.status()).isEqualTo("succeeded"));
    assertThat(stages.get(0).metrics().get("imported")).isEqualTo(8792L);
  }

  @Test
  void badRowsGoToRejectedWithFileLineAndReason() {
    Cli.Result r =
        Cli.run(
            "import",
            "gsm8k",
            "--input",
            Cli.resource("bad/test.jsonl"),
            "--run",
            run(),
            "--set",
            "stepwise.import.max_chars=500");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("import gsm8k: 2 imported, 8 rejected, from 1 file(s)");
    List<GenericRecord> rejected =
        ParquetFiles.read(
            tmp.resolve("run/data/_rejected/dataset=prompts/source=gsm8k/split=test"));
    Map<Long, String> reasonByLine = new HashMap<>();
    for (GenericRecord g : rejected) {
      reasonByLine.put((Long) g.get("line"), g.get("reason").toString());
      assertThat(g.get("file").toString()).endsWith("bad/test.jsonl");
    }
    assertThat(reasonByLine).containsOnlyKeys(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    assertThat(reasonByLine.get(2L)).startsWith("broken JSON");
    assertThat(reasonByLine.get(6L)).isEqualTo("line is not valid UTF-8");
    assertThat(reasonByLine.get(7L)).contains("over the limit of 500");

    Cli.Result strict =
        Cli.run(
            "import",
            "gsm8k",
            "--input",
            Cli.resource("bad/test.jsonl"),
            "--run",
            run(),
            "--strict");
    assertThat(strict.exitCode()).isEqualTo(1);
    // Under the default max_chars (8000) the 1,000-char question passes that check, but its
    // worked solution "#### 1" has no reasoning to turn into steps.
    assertThat(strict.err()).contains("8 rows rejected and --strict is set");
    assertThat(
            ParquetFiles.read(
                    tmp.resolve("run/data/_rejected/dataset=prompts/source=gsm8k/split=test"))
                .stream()
                .filter(g -> (Long) g.get("line") == 7L)
                .map(g -> g.get("reason").toString()))
        .containsExactly(
            "field 'answer' (solution): worked solution has no reasoning before '####'");
  }

  @Test
  void reimportReplacesItsPartitionsAndNeverAppends() {
    String input = Cli.resource("bad/mgsm_de.tsv");
    for (int i = 0; i < 2; i++) {
      Cli.Result r = Cli.run("import", "mgsm", "--input", input, "--run", run());
      assertThat(r.exitCode()).as(r.err()).isZero();
      assertThat(r.out()).contains("import mgsm: 3 imported, 2 rejected");
    }
    assertThat(ParquetFiles.read(tmp.resolve("run/data/prompts/source=mgsm/split=test")))
        .hasSize(3);
    assertThat(ParquetFiles.read(tmp.resolve("run/data/_rejected"))).hasSize(2);
  }

  @Test
  void aFailedImportLeavesThePromptsAsTheyWereAndIsRecordedFailed() throws IOException {
    Path prompts = tmp.resolve("run/data/prompts/source=gsm8k/split=test");
    Cli.Result first =
        Cli.run(
            "import",
            "gsm8k",
            "--input",
            new File(Cli.sharedData(), "gsm8k/test.jsonl").getPath(),
            "--run",
            run());
    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(ParquetFiles.read(prompts)).hasSize(1319);

    Path empty = Files.createDirectories(tmp.resolve("empty"));
    Cli.Result none =
        Cli.run(
            "import",
            "gsm8k",
            "--input",
            Files.writeString(empty.resolve("test.jsonl"), "").toString(),
            "--run",
            run());
    assertThat(none.exitCode()).isEqualTo(1);
    assertThat(none.err()).contains("nothing was imported", "the run's prompts are unchanged");
    assertThat(ParquetFiles.read(prompts)).hasSize(1319);
    assertThat(lastImport().status()).isEqualTo(StageRecord.FAILED);
    assertThat(lastImport().error())
        .startsWith("nothing was imported from " + empty.resolve("test.jsonl"));

    Path mixed = Files.createDirectories(tmp.resolve("mixed"));
    Files.writeString(
        mixed.resolve("test.jsonl"),
        "{\"question\": \"What is 2 + 3?\", \"answer\": \"2 + 3 = 5\\n#### 5\"}\nnot json\n");
    Cli.Result strict =
        Cli.run(
            "import",
            "gsm8k",
            "--input",
            mixed.resolve("test.jsonl").toString(),
            "--run",
            run(),
            "--strict");
    assertThat(strict.exitCode()).isEqualTo(1);
    assertThat(strict.out()).contains("1 imported, 1 rejected");
    assertThat(strict.err()).contains("1 rows rejected and --strict is set");
    assertThat(ParquetFiles.read(prompts)).hasSize(1319);
    assertThat(lastImport().status()).isEqualTo(StageRecord.FAILED);
    assertThat(lastImport().error()).contains("--strict");
    try (var names = Files.list(tmp.resolve("run/data/prompts"))) {
      assertThat(names.map(p -> p.getFileName().toString())).containsExactly("source=gsm8k");
    }

    // Without --strict the same file is a successful import that replaces the split.
    Cli.Result lenient =
        Cli.run(
            "import", "gsm8k", "--input", mixed.resolve("test.jsonl").toString(), "--run", run());
    assertThat(lenient.exitCode()).as(lenient.err()).isZero();
    assertThat(ParquetFiles.read(prompts)).hasSize(1);
    assertThat(lastImport().status()).isEqualTo(StageRecord.SUCCEEDED);
  }

  private StageRecord lastImport() throws IOException {
    return Manifest.parseStages(Files.readString(tmp.resolve("run/run.json"))).stream()
        .filter(s -> s.name().equals("import/gsm8k"))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void nothingImportedExitsNonZero() throws IOException {
    Path empty = Files.writeString(tmp.resolve("mgsm_fr.tsv"), "only one column\n");
    Cli.Result r = Cli.run("import", "mgsm", "--input", empty.toString(), "--run", run());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.out()).contains("0 imported, 1 rejected");
    assertThat(r.err()).contains("nothing was imported");
  }

  @Test
  void missingInputOrUnusableRunIsOneClearLine() throws IOException {
    Cli.Result missing =
        Cli.run("import", "gsm8k", "--input", tmp.resolve("nope.jsonl").toString(), "--run", run());
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err().strip())
        .isEqualTo("stepwise: error: input not found: " + tmp.resolve("nope.jsonl"));

    Path file = Files.writeString(tmp.resolve("afile"), "x");
    Cli.Result badRun =
        Cli.run(
            "import", "gsm8k", "--input", Cli.resource("bad/test.jsonl"), "--run", file.toString());
    assertThat(badRun.exitCode()).isEqualTo(1);
    assertThat(badRun.err().strip())
        .startsWith("stepwise: error: run directory")
        .contains("is a file")
        .doesNotContain("\n");
  }

  @Test
  void genericJsonlAndParquetTakeAColumnMapping() throws IOException {
    Path jsonl =
        Files.writeString(
            tmp.resolve("math_train.jsonl"),
            "{\"problem\": \"1+1?\", \"final\": 2, \"uid\": \"a\"}\n{\"problem\": \"2+3?\", \"final\": \"5\", \"uid\": \"b\"}\n");
    Cli.Result r =
        Cli.run(
            "import",
            "jsonl",
            "--input",
            jsonl.toString(),
            "--run",
            run(),
            "--source",
            "math",
            "--map",
            "question=problem",
            "--map",
            "gold=final",
            "--map",
            "id=uid");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("import math: 2 imported, 0 rejected");

    // Export what was imported as plain Parquet and import it back under another source name.
    Path exported = tmp.resolve("run/data/prompts/source=math/split=train");
    File parquet =
        Files.walk(exported)
            .filter(p -> p.toString().endsWith(".parquet"))
            .findFirst()
            .orElseThrow()
            .toFile();
    Path copy = Files.copy(parquet.toPath(), tmp.resolve("copy_train.parquet"));
    Cli.Result p =
        Cli.run(
            "import",
            "parquet",
            "--input",
            copy.toString(),
            "--run",
            run(),
            "--source",
            "copy",
            "--map",
            "question=question",
            "--map",
            "gold=gold");
    assertThat(p.exitCode()).as(p.err()).isZero();
    assertThat(p.out()).contains("import copy: 2 imported, 0 rejected");
    assertThat(ParquetFiles.read(tmp.resolve("run/data/prompts/source=copy")))
        .extracting(g -> g.get("gold").toString())
        .containsExactlyInAnyOrder("2", "5");

    Cli.Result noMap = Cli.run("import", "jsonl", "--input", jsonl.toString(), "--run", run());
    assertThat(noMap.exitCode()).isEqualTo(2);
    assertThat(noMap.err()).contains("Missing required option: '--map=COLUMN=FIELD'");
  }
}
