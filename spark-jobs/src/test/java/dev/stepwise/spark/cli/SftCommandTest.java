package dev.stepwise.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.spark.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SftCommandTest {
  @TempDir static Path tmp;
  static Path init;

  @BeforeAll
  static void init() {
    init = tmp.resolve("init");
    assertThat(Cli.runLocal("model", "init", "--out", init.toString()).exitCode()).isZero();
  }

  /** sft on a micro config: 1 thread as in every test, small synthetic data, two languages. */
  static Cli.Result sft(Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "sft",
                "--model",
                init.toString(),
                "--out",
                out.toString(),
                "--threads",
                "1",
                "--batch-size",
                "8",
                "--ift-problems",
                "12",
                "--eft-problems",
                "12",
                "--languages",
                "en,de",
                "--set",
                "stepwise.tasks.eval_problems=3",
                "--set",
                "stepwise.eval.max_new_tokens=8"));
    args.addAll(List.of(extra));
    return Cli.run(args.toArray(String[]::new));
  }

  static List<Double> losses(String out) {
    Matcher m = Pattern.compile("step \\d+/\\d+  loss (\\S+)").matcher(out);
    List<Double> losses = new ArrayList<>();
    while (m.find()) losses.add(Double.parseDouble(m.group(1)));
    return losses;
  }

  @Test
  void trainsReportsProgressEvaluatesAndResumes() throws IOException {
    Path out = tmp.resolve("m1");
    Cli.Result r =
        sft(out, "--steps", "6", "--log-every", "2", "--save-every", "3", "--lr", "0.003");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        .contains(
            "mixture {ift/synthetic=12, eft/synthetic=12} [en, de]",
            "sft: 24 examples (mean ",
            "6 steps of 8")
        .containsPattern(
            "step 2/6  loss \\d+\\.\\d{4}  \\d+\\.\\d\\d steps/s  \\d+ tokens/s  ETA \\dm\\d\\ds");
    List<Double> losses = losses(r.out());
    assertThat(losses).hasSize(3);
    assertThat(losses.get(2)).isLessThan(losses.get(0)); // from a random init the loss falls fast
    assertThat(out.resolve("checkpoint-3/model.safetensors")).isRegularFile();
    assertThat(out.resolve("tokenizer.json")).isRegularFile();
    assertThat(Files.readAllBytes(out.resolve("model.safetensors")))
        .isNotEqualTo(Files.readAllBytes(init.resolve("model.safetensors")));

    assertThat(r.out()).contains("held-out accuracy (greedy):", "  en ", "  de ", "  all ");
    JsonObject eval =
        JsonParser.parseString(Files.readString(out.resolve("eval.json"))).getAsJsonObject();
    assertThat(eval.getAsJsonObject("reasoning").getAsJsonObject("en").get("items").getAsInt())
        .isEqualTo(3);
    assertThat(eval.getAsJsonObject("judge").getAsJsonObject("all").get("items").getAsInt())
        .isEqualTo(6);
    double accuracy =
        eval.getAsJsonObject("judge").getAsJsonObject("all").get("accuracy").getAsDouble();
    assertThat(accuracy).isBetween(0.0, 1.0);

    // A longer run on the same directory continues from step 6 instead of starting over.
    Cli.Result more =
        sft(out, "--steps", "8", "--log-every", "2", "--lr", "0.003", "--eval-problems", "0");
    assertThat(more.exitCode()).as(more.err()).isZero();
    assertThat(more.out()).doesNotContain("step 2/8").contains("step 8/8");
  }

  @Test
  void aTwoPassRecipeTrainsEachPassOnItsMixtureAndARerunRestoresThem() throws IOException {
    Path out = tmp.resolve("two-pass");
    String recipe =
        "[{steps = 3, lr = 0.003}, {steps = 2, lr = 0.001, ift_problems = 4, eft_problems = 6,"
            + " policy_eft_problems = 3}]";
    Cli.Result r =
        sft(
            out,
            "--log-every",
            "1",
            "--eval-problems",
            "0",
            "--set",
            "stepwise.sft.passes=" + recipe);
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        .contains(
            "sft: 2 pass(es)",
            "mixture {ift/synthetic=12, eft/synthetic=12} [en, de]",
            "sft pass 1/2: 24 examples (mean ",
            "3 steps of 8, lr 0.003",
            "sft pass 1/2: step 3/3  loss ",
            "mixture {ift/synthetic=4, eft/synthetic=6} [en, de]",
            "sft pass 2/2: policy EFT 3/3 problems, ",
            "sft pass 2/2: step 2/2  loss ")
        .containsPattern(
            "sft pass 2/2: 1\\d examples \\(mean \\d+ tokens\\), 2 steps of 8, lr 0.001");
    // Pass 1 is kept beside the final weights, which pass 2 changed.
    assertThat(out.resolve("pass-1/model.safetensors")).isRegularFile();
    assertThat(Files.readAllBytes(out.resolve("model.safetensors")))
        .isNotEqualTo(Files.readAllBytes(out.resolve("pass-1/model.safetensors")))
        .isNotEqualTo(Files.readAllBytes(init.resolve("model.safetensors")));
    byte[] trained = Files.readAllBytes(out.resolve("model.safetensors"));

    // Rerun: pass 1 is restored without training or mining; pass 2 resumes at its last step, so
    // nothing trains.
    Cli.Result again = sft(out, "--eval-problems", "0", "--set", "stepwise.sft.passes=" + recipe);
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.out())
        .contains("sft pass 1/2: finished in " + out.resolve("pass-1") + ", restored")
        .doesNotContain("sft pass 1/2: 24 examples", "loss ");
    assertThat(Files.readAllBytes(out.resolve("model.safetensors"))).isEqualTo(trained);
  }

  @Test
  void aDivergedRunFailsWithOneLineAndWritesNoCheckpoint() {
    Path out = tmp.resolve("diverged");
    Cli.Result r =
        sft(out, "--steps", "2", "--save-every", "1", "--lr", "1e300", "--eval-problems", "0");
    assertThat(r.exitCode()).as(r.out()).isEqualTo(1);
    assertThat(r.err().strip())
        .startsWith("stepwise: error: non-finite weight '")
        .contains("after the update at step 1")
        .doesNotContain("\n");
    assertThat(out.resolve("checkpoint-1")).doesNotExist();
    assertThat(out.resolve("model.safetensors")).doesNotExist();
  }

  @Test
  void loraSftWritesAPeftAdapterThatModelCommandsLoadAndMergeIntoItsBase() throws IOException {
    byte[] base = Files.readAllBytes(init.resolve("model.safetensors"));
    Path out = tmp.resolve("lora");
    Cli.Result r =
        sft(
            out,
            "--steps",
            "4",
            "--lr",
            "0.01",
            "--eval-problems",
            "0",
            "--set",
            "stepwise.train.lora.enabled=true",
            "--set",
            "stepwise.train.lora.r=4",
            "--set",
            "stepwise.train.lora.target_modules=[q_proj,v_proj]");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(out.resolve("model.safetensors")).doesNotExist();
    assertThat(out.resolve("adapter_model.safetensors")).isRegularFile();
    assertThat(out.resolve("tokenizer.json")).isRegularFile();
    JsonObject config =
        JsonParser.parseString(Files.readString(out.resolve("adapter_config.json")))
            .getAsJsonObject();
    assertThat(config.get("base_model_name_or_path").getAsString())
        .isEqualTo(init.toAbsolutePath().normalize().toString());
    assertThat(config.get("r").getAsInt()).isEqualTo(4);
    assertThat(Files.readAllBytes(init.resolve("model.safetensors")))
        .as("the base is never written")
        .isEqualTo(base);

    Path merged = tmp.resolve("lora-merged");
    Cli.Result merge =
        Cli.runLocal("model", "merge", "--adapter", out.toString(), "--out", merged.toString());
    assertThat(merge.exitCode()).as(merge.err()).isZero();
    assertThat(merge.out()).contains("model merge: wrote " + merged, "r=4", "q_proj,v_proj");
    assertThat(merged.resolve("adapter_config.json")).doesNotExist();
    assertThat(merged.resolve("tokenizer.json")).isRegularFile();

    Path rows =
        Files.writeString(
            tmp.resolve("lora-rows.jsonl"),
            "{\"prompt\":\"Step 1: 3 + 4 =\",\"completion\":\" 7\"}\n");
    List<double[]> scores = new ArrayList<>();
    for (Path model : List.of(out, merged, init)) {
      Path scored = tmp.resolve("scored-" + model.getFileName() + ".jsonl");
      Cli.Result s =
          Cli.runLocal(
              "model",
              "score",
              "--model",
              model.toString(),
              "--input",
              rows.toString(),
              "--output",
              scored.toString(),
              "--chat");
      assertThat(s.exitCode()).as(s.err()).isZero();
      var logprobs =
          JsonParser.parseString(Files.readAllLines(scored).get(0))
              .getAsJsonObject()
              .getAsJsonArray("token_logprobs");
      scores.add(
          IntStream.range(0, logprobs.size())
              .mapToDouble(i -> logprobs.get(i).getAsDouble())
              .toArray());
    }
    for (int i = 0; i < scores.get(0).length; i++) {
      assertThat(scores.get(1)[i])
          .as("merged = base + adapter")
          .isCloseTo(scores.get(0)[i], Assertions.within(1e-5));
    }
    assertThat(Math.abs(scores.get(0)[0] - scores.get(2)[0]))
        .as("the adapter learned something")
        .isGreaterThan(1e-3);

    Cli.Result again =
        Cli.runLocal(
            "model", "merge", "--adapter", init.toString(), "--out", tmp.resolve("x").toString());
    assertThat(again.err().strip())
        .isEqualTo(
            "stepwise: error: "
                + init
                + ": no adapter_config.json; expected a LoRA adapter directory (see stepwise.train.lora)");
  }

  @Test
  void minesJudgeExamplesFromTheStartingModelsOwnCandidates() {
    // The shipped M1 errs on some steps at T = 1.0; each such problem becomes one judge example.
    Cli.Result r =
        Cli.run(
            "sft",
            "--model",
            Cli.tinyM1(),
            "--out",
            tmp.resolve("policy").toString(),
            "--threads",
            "1",
            "--batch-size",
            "8",
            "--ift-problems",
            "4",
            "--eft-problems",
            "4",
            "--languages",
            "en,de",
            "--steps",
            "1",
            "--eval-problems",
            "0",
            "--policy-eft-problems",
            "40");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Matcher mined =
        Pattern.compile("sft: policy EFT 40/40 problems, (\\d+) pairs").matcher(r.out());
    assertThat(mined.find()).as(r.out()).isTrue();
    int pairs = Integer.parseInt(mined.group(1));
    assertThat(pairs).isBetween(1, 39);
    assertThat(r.out()).contains("sft: " + (8 + pairs) + " examples");

    Cli.Result bad = sft(tmp.resolve("z"), "--set", "stepwise.sft.policy_eft.candidates=1");
    assertThat(bad.exitCode()).isEqualTo(1);
    assertThat(bad.err()).contains("stepwise.sft.policy_eft.candidates").contains("must be >= 2");
  }

  @Test
  void aNonFiniteLossIsOneLineAndWritesNoCheckpointAfterIt() {
    Path out = tmp.resolve("diverged");
    Cli.Result r =
        sft(out, "--steps", "6", "--lr", "1e30", "--save-every", "1", "--warmup-ratio", "0");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err().strip())
        .startsWith("stepwise: error: non-finite")
        .contains("no checkpoint was written")
        .doesNotContain("\n");
    // Step 1 was finite and saved; the step that diverged left nothing behind.
    assertThat(out.resolve("checkpoint-1/model.safetensors")).isRegularFile();
    assertThat(out.resolve("checkpoint-2")).doesNotExist();
    assertThat(out.resolve("model.safetensors")).doesNotExist();
    assertThat(out.resolve("eval.json")).doesNotExist();
  }

  @Test
  void trainsOnAJsonlFileAndNamesTheLineOfABadRow() throws IOException {
    Path data =
        Files.write(
            tmp.resolve("pairs.jsonl"),
            List.of(
                "{\"prompt\":\"2 + 3 =\",\"completion\":\"5\"}",
                "{\"prompt\":\"4 + 4 =\",\"completion\":\"8\"}"));
    Cli.Result r =
        sft(
            tmp.resolve("jsonl"),
            "--data",
            data.toString(),
            "--steps",
            "2",
            "--eval-problems",
            "0");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("mixture " + data, "sft: 2 examples (").contains("step 2/2");

    Path bad =
        Files.write(
            tmp.resolve("bad.jsonl"),
            List.of("{\"prompt\":\"2 + 3 =\",\"completion\":\"5\"}", "{\"prompt\":\"x\"}"));
    Cli.Result failed = sft(tmp.resolve("bad"), "--data", bad.toString(), "--steps", "2");
    assertThat(failed.exitCode()).isEqualTo(1);
    assertThat(failed.err().strip())
        .isEqualTo("stepwise: error: " + bad + " line 2: expected a string field \"completion\"");
  }

  @Test
  void badSettingsNameTheKey() {
    Cli.Result lang = sft(tmp.resolve("x"), "--languages", "en,xx");
    assertThat(lang.exitCode()).isEqualTo(1);
    assertThat(lang.err()).contains("--languages").contains("unknown language \"xx\"");
    Cli.Result negative = sft(tmp.resolve("y"), "--steps", "-1");
    assertThat(negative.err().strip())
        .isEqualTo(
            "stepwise: error: stepwise.sft.steps must be >= 0 (got -1 from --set stepwise.sft.steps)");
    Cli.Result none = sft(tmp.resolve("y"), "--steps", "0");
    assertThat(none.err()).contains("stepwise.sft").contains("set steps > 0 or epochs > 0");
  }
}
