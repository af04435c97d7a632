package dev.stepwise.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.spark.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCommandsTest {
  @TempDir static Path tmp;
  static Path model;

  @BeforeAll
  static void init() {
    model = tmp.resolve("tiny");
    Cli.Result r =
        Cli.runLocal("model", "init", "--preset", "tiny", "--out", model.toString(), "--seed", "1");
    assertThat(r.exitCode()).as(r.err()).isZero();
    // 1905 tokens x 128 embedding (tied head) + 4 layers x 196,864 + final norm 128.
    assertThat(r.out())
        .contains("(shape tiny, F32, seed 1): 1,031,424 parameters, vocabulary 1905");
  }

  static List<JsonObject> rows(Path file) throws IOException {
    return Files.readAllLines(file).stream()
        .map(l -> JsonParser.parseString(l).getAsJsonObject())
        .toList();
  }

  static Path write(String name, String... lines) throws IOException {
    return Files.write(tmp.resolve(name), List.of(lines));
  }

  @Test
  void initWritesALoadableHfDirectoryAndTheSameBytesForTheSameSeed() throws IOException {
    assertThat(model.resolve("config.json")).isRegularFile();
    assertThat(model.resolve("generation_config.json")).isRegularFile();
    assertThat(model.resolve("tokenizer.json")).isRegularFile();
    JsonObject config =
        JsonParser.parseString(Files.readString(model.resolve("config.json"))).getAsJsonObject();
    assertThat(config.get("vocab_size").getAsInt()).isEqualTo(1905);
    assertThat(config.get("eos_token_id").getAsInt()).isEqualTo(1903);

    Path again = tmp.resolve("again");
    assertThat(Cli.runLocal("model", "init", "--out", again.toString(), "--seed", "1").exitCode())
        .isZero();
    assertThat(Files.readAllBytes(again.resolve("model.safetensors")))
        .isEqualTo(Files.readAllBytes(model.resolve("model.safetensors")));

    Cli.Result twice = Cli.runLocal("model", "init", "--out", again.toString());
    assertThat(twice.exitCode()).isEqualTo(1);
    assertThat(twice.err().strip())
        .isEqualTo(
            "stepwise: error: "
                + again
                + " already holds a model (config.json); choose a new --out directory");
  }

  @Test
  void aRowsSampleDoesNotDependOnBatchingAndItsLogprobsMatchScoring() throws IOException {
    Path input =
        write(
            "prompts.jsonl",
            "{\"id\":\"q1\",\"prompt\":\"Step 1: 3 + 4\"}",
            "{\"prompt\":\"Problem: Tom has\"}",
            "{\"prompt_ids\":[5,6,7]}",
            "",
            "{\"id\":7,\"prompt\":\"12 * 3 =\"}");
    String[] common = {
      "model",
      "generate",
      "--model",
      model.toString(),
      "--input",
      input.toString(),
      "--sampler",
      "top-p",
      "--temperature",
      "1.0",
      "--top-p",
      "0.9",
      "--max-new-tokens",
      "12",
      "--seed",
      "5"
    };
    Path one = tmp.resolve("batch1.jsonl"), all = tmp.resolve("batch4.jsonl");
    assertThat(
            Cli.runLocal(concat(common, "--batch-size", "1", "--output", one.toString()))
                .exitCode())
        .isZero();
    Cli.Result r = Cli.runLocal(concat(common, "--batch-size", "4", "--output", all.toString()));
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.err()).contains("generate: 4 rows");
    List<JsonObject> out = rows(all), alone = rows(one);
    // Same tokens and text; log-probs agree to float rounding (padding changes the summation
    // order).
    for (int i = 0; i < out.size(); i++) {
      assertThat(out.get(i).get("tokens")).isEqualTo(alone.get(i).get("tokens"));
      assertThat(out.get(i).get("text")).isEqualTo(alone.get(i).get("text"));
      assertClose(out.get(i).getAsJsonArray("logprobs"), alone.get(i).getAsJsonArray("logprobs"));
    }

    assertThat(out).extracting(o -> o.get("index").getAsInt()).containsExactly(0, 1, 2, 3);
    assertThat(out.get(0).get("id").getAsString()).isEqualTo("q1");
    // Sampled at T=1 from a random init: the rows differ from one another.
    assertThat(out.stream().map(o -> o.get("tokens").toString()).distinct()).hasSize(4);

    // Scoring the generated tokens reproduces the generator's per-token log-probs.
    StringBuilder scoreInput = new StringBuilder();
    JsonObject first = out.get(2);
    scoreInput
        .append("{\"prompt_ids\":[5,6,7],\"completion_ids\":")
        .append(first.get("tokens"))
        .append("}\n");
    Path scored = tmp.resolve("scored.jsonl");
    Cli.Result s =
        Cli.runLocal(
            "model",
            "score",
            "--model",
            model.toString(),
            "--input",
            Files.writeString(tmp.resolve("score-in.jsonl"), scoreInput).toString(),
            "--output",
            scored.toString());
    assertThat(s.exitCode()).as(s.err()).isZero();
    JsonArray expected = first.getAsJsonArray("logprobs"),
        actual = rows(scored).get(0).getAsJsonArray("token_logprobs");
    assertThat(actual.size()).isEqualTo(12);
    assertClose(actual, expected);
    double sum = 0;
    for (int i = 0; i < actual.size(); i++) sum += actual.get(i).getAsDouble();
    assertThat(rows(scored).get(0).get("logprob_sum").getAsDouble()).isCloseTo(sum, within(1e-3));
  }

  @Test
  void edtRowsCarryTemperaturesUnderT0AndEntropies() throws IOException {
    Path output = tmp.resolve("edt.jsonl");
    Cli.Result r =
        Cli.runLocal(
            "model",
            "generate",
            "--model",
            model.toString(),
            "--prompt",
            "Step 1:",
            "--chat",
            "--sampler",
            "edt",
            "--edt-t0",
            "0.6",
            "--max-new-tokens",
            "6",
            "--output",
            output.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonObject row = rows(output).get(0);
    assertThat(row.getAsJsonArray("temperatures"))
        .hasSize(6)
        .allSatisfy(t -> assertThat(t.getAsDouble()).isGreaterThan(0).isLessThanOrEqualTo(0.6));
    // A random init is close to uniform over 1905 tokens: entropy near ln(1905) = 7.55 nats.
    assertThat(row.getAsJsonArray("entropies"))
        .allSatisfy(h -> assertThat(h.getAsDouble()).isBetween(7.0, 7.56));
    assertThat(row.get("finish_reason").getAsString()).isEqualTo("length");
  }

  @Test
  void greedyStopsAtAStopString() throws IOException {
    Cli.Result first =
        Cli.runLocal(
            "model",
            "generate",
            "--model",
            model.toString(),
            "--prompt",
            "Step",
            "--max-new-tokens",
            "8");
    String text =
        JsonParser.parseString(first.out().strip()).getAsJsonObject().get("text").getAsString();
    String stop = text.substring(text.length() / 2, text.length() / 2 + 1);
    Cli.Result stopped =
        Cli.runLocal(
            "model",
            "generate",
            "--model",
            model.toString(),
            "--prompt",
            "Step",
            "--max-new-tokens",
            "8",
            "--stop",
            stop);
    JsonObject row = JsonParser.parseString(stopped.out().strip()).getAsJsonObject();
    assertThat(row.get("finish_reason").getAsString()).isEqualTo("stop_string");
    assertThat(row.get("text").getAsString()).isEqualTo(text.substring(0, text.indexOf(stop)));
  }

  @Test
  void scoreTextRowsAndNameTheLineOfABadRow() throws IOException {
    Path ok =
        write("text.jsonl", "{\"prompt\":\"Step 1: 3 + 4 =\",\"completion\":\" 7\",\"keep\":1}");
    Path out = tmp.resolve("text-scored.jsonl");
    Cli.Result r =
        Cli.runLocal(
            "model",
            "score",
            "--model",
            model.toString(),
            "--input",
            ok.toString(),
            "--output",
            out.toString(),
            "--chat");
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonObject row = rows(out).get(0);
    assertThat(row.get("keep").getAsInt()).isEqualTo(1);
    assertThat(row.getAsJsonArray("token_logprobs").size())
        .isGreaterThanOrEqualTo(2); // " 7" and EOS
    assertThat(row.get("logprob_sum").getAsDouble()).isNegative();

    Path bad =
        write(
            "bad.jsonl",
            "{\"prompt\":\"a\",\"completion\":\"b\"}",
            "{\"text\":\"no prompt here\"}");
    Cli.Result missing =
        Cli.runLocal(
            "model",
            "score",
            "--model",
            model.toString(),
            "--input",
            bad.toString(),
            "--output",
            out.toString());
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err().strip())
        .isEqualTo(
            "stepwise: error: "
                + bad
                + " line 2: expected \"prompt\" and \"completion\" (text)"
                + " or \"prompt_ids\" and \"completion_ids\"");

    Path outOfVocab = write("oov.jsonl", "{\"prompt_ids\":[1],\"completion_ids\":[1905]}");
    Cli.Result oov =
        Cli.runLocal(
            "model",
            "score",
            "--model",
            model.toString(),
            "--input",
            outOfVocab.toString(),
            "--output",
            out.toString());
    assertThat(oov.err())
        .contains(
            outOfVocab + " line 1: \"completion_ids\"[0] = 1905 is not a token id in [0, 1905)");
  }

  @Test
  void scoreInFloat16IsCloseToFloat32AndBfloat16IsRefusedInOneLine() throws IOException {
    Path input =
        write(
            "dtype.jsonl",
            "{\"prompt\":\"Step 1: 3 + 4 =\",\"completion\":\" 7. Step 2: 7 * 2 = 14\"}");
    JsonArray[] logProbs = new JsonArray[2];
    String[] dtypes = {"float32", "float16"};
    for (int i = 0; i < 2; i++) {
      Path out = tmp.resolve("dtype-" + dtypes[i] + ".jsonl");
      Cli.Result r =
          Cli.runLocal(
              "model",
              "score",
              "--model",
              model.toString(),
              "--input",
              input.toString(),
              "--output",
              out.toString(),
              "--set",
              "stepwise.model.dtype=" + dtypes[i]);
      assertThat(r.exitCode()).as(r.err()).isZero();
      logProbs[i] = rows(out).get(0).getAsJsonArray("token_logprobs");
    }
    assertThat(logProbs[1]).isNotEqualTo(logProbs[0]); // F16 weights really were used
    for (int i = 0; i < logProbs[0].size(); i++) {
      assertThat(logProbs[1].get(i).getAsDouble())
          .isCloseTo(logProbs[0].get(i).getAsDouble(), within(0.05));
    }
    Cli.Result bf16 =
        Cli.runLocal(
            "model",
            "score",
            "--model",
            model.toString(),
            "--input",
            input.toString(),
            "--output",
            tmp.resolve("bf16.jsonl").toString(),
            "--set",
            "stepwise.model.dtype=bfloat16");
    assertThat(bf16.exitCode()).isEqualTo(1);
    assertThat(bf16.err().strip())
        .startsWith("stepwise: error: ")
        .contains("bfloat16 compute is not supported", "aborts the JVM")
        .doesNotContain("\n");
  }

  @Test
  void usageAndInputErrorsAreOneLine() {
    Cli.Result both =
        Cli.runLocal(
            "model",
            "generate",
            "--model",
            model.toString(),
            "--prompt",
            "x",
            "--input",
            "y.jsonl");
    assertThat(both.exitCode()).isEqualTo(2);
    Cli.Result noModel =
        Cli.runLocal(
            "model", "generate", "--model", tmp.resolve("nope").toString(), "--prompt", "x");
    assertThat(noModel.err().strip())
        .isEqualTo("stepwise: error: model directory not found: " + tmp.resolve("nope"));
    Cli.Result sampler =
        Cli.runLocal(
            "model", "generate", "--model", model.toString(), "--prompt", "x", "--sampler", "beam");
    assertThat(sampler.exitCode()).as("bad usage").isEqualTo(2);
    assertThat(sampler.err()).contains("--sampler beam is unknown");
    assertThat(Cli.runLocal("model", "generate", "--help").out())
        .contains("--sampler", "--edt-theta", "--batch-size");
    Cli.Result shape =
        Cli.runLocal(
            "model", "init", "--shape", "qwen2.5-3b", "--out", tmp.resolve("q3").toString());
    assertThat(shape.err().strip())
        .isEqualTo(
            "stepwise: error: --shape qwen2.5-3b is unknown; use tiny or one of [qwen2.5-0.5b, qwen2.5-1.5b, qwen2.5-7b]");
    Cli.Result dtype =
        Cli.runLocal(
            "model",
            "init",
            "--shape",
            "qwen2.5-0.5b",
            "--dtype",
            "f8",
            "--out",
            tmp.resolve("q05").toString());
    assertThat(dtype.err().strip())
        .isEqualTo("stepwise: error: --dtype f8 is unknown; use f32 or bf16");
    assertThat(tmp.resolve("q05")).doesNotExist();
  }

  static void assertClose(JsonArray actual, JsonArray expected) {
    assertThat(actual.size()).isEqualTo(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      assertThat(actual.get(i).getAsDouble())
          .isCloseTo(expected.get(i).getAsDouble(), within(1e-4));
    }
  }

  static String[] concat(String[] a, String... b) {
    String[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
