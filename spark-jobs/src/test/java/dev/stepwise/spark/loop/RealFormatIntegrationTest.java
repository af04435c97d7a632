package dev.stepwise.spark.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stepwise.model.LlamaConfig;
import dev.stepwise.model.TinyPreset;
import dev.stepwise.spark.Cli;
import dev.stepwise.spark.ParquetFiles;
import dev.stepwise.spark.runtime.Manifest;
import dev.stepwise.spark.runtime.StageRecord;
import dev.stepwise.text.BpeTrainer;
import dev.stepwise.text.ByteLevelBpeFiles;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.ChatMessage;
import dev.stepwise.text.HfTokenizer;
import dev.stepwise.text.PromptTemplates;
import dev.stepwise.text.StepFormat;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Self-rewarding on real data and a real model format, with no synthetic tasks involved in training
 * or search: a random-weight Qwen2-architecture checkpoint with a byte-level BPE tokenizer and a
 * Qwen2.5-style chat template (both written here), GSM8K and MGSM slices imported from
 * ../shared/data, SFT on the converted GSM8K solutions and the judge pairs built from them, one
 * round of search over the imported prompts, pairs, ref, dpo and eval on the imported test sets, in
 * local[2].
 */
class RealFormatIntegrationTest {
  static final String QWEN25_TEMPLATE =
      "{%- if messages[0]['role'] == 'system' %}"
          + "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
          + "{%- else %}{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}"
          + "{%- endif %}{%- for message in messages %}"
          + "{%- if (message.role == 'user') or (message.role == 'system' and not loop.first) or (message.role == 'assistant') %}"
          + "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}"
          + "{%- endif %}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";
  static final int TRAIN_ROWS = 24;

  /** The first n lines of a shared data file, copied into dir. */
  static void slice(File from, Path dir, int n) throws Exception {
    Files.createDirectories(dir);
    List<String> lines = Files.readAllLines(from.toPath(), StandardCharsets.UTF_8).subList(0, n);
    Files.write(dir.resolve(from.getName()), lines, StandardCharsets.UTF_8);
  }

  /** A random-weight Qwen2 micro model whose BPE is learned from the GSM8K slice. */
  static Path qwenMicroModel(Path tmp, Path gsm8kTrain) throws Exception {
    List<String> corpus = new ArrayList<>();
    for (String line : Files.readAllLines(gsm8kTrain)) corpus.add(line);
    corpus.add(PromptTemplates.DEFAULT.judge("q", List.of(), "Step 1: a", "Step 2: b"));
    corpus.add(PromptTemplates.DEFAULT.reasoning("q"));
    Path tok = tmp.resolve("tokenizer");
    ByteLevelBpeFiles.write(
        tok,
        BpeTrainer.train(corpus, 700, 2),
        List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"),
        new ByteLevelBpeFiles.Config("<|im_end|>", "<|endoftext|>", null, QWEN25_TEMPLATE, 4096));
    Path model = tmp.resolve("qwen-micro");
    try (HfTokenizer tokenizer = HfTokenizer.load(tok)) {
      LlamaConfig config =
          new LlamaConfig(
              "qwen2",
              tokenizer.vocabSize(),
              64,
              128,
              2,
              4,
              2,
              16,
              1e-6,
              1_000_000.0,
              4096,
              true,
              true,
              null,
              new ChatFormat(tokenizer).eosId(),
              "float32");
      TinyPreset.writeRandomInit(config, 11, model, tok);
    }
    return model;
  }

  static String[] args(String command, Path run, Path model, Path judgeFile, String... extra) {
    List<String> args = new ArrayList<>(List.of(command));
    args.addAll(List.of(extra));
    args.addAll(List.of("--run", run.toString()));
    for (String kv :
        List.of(
            "stepwise.model.init=" + model,
            "stepwise.sft.data.ift=[\"gsm8k/train\"]",
            "stepwise.sft.data.eft=[\"from_ift\", \"" + judgeFile.toUri() + "\"]",
            "stepwise.sft.steps=2",
            "stepwise.sft.batch_size=4",
            "stepwise.sft.lr=1e-3",
            "stepwise.tasks.languages=[en]",
            "stepwise.tasks.train_problems=4",
            "stepwise.tasks.eval_problems=1",
            "stepwise.tasks.eft_test_problems=2",
            "stepwise.search.prompts.source=gsm8k",
            "stepwise.search.prompts.split=train",
            "stepwise.search.prompts_per_round=4",
            "stepwise.search.candidates=2",
            "stepwise.search.max_iterations=2",
            "stepwise.search.max_rollbacks=1",
            "stepwise.search.max_step_tokens=12",
            "stepwise.search.max_judge_tokens=8",
            "stepwise.eval.imported_per_language=2",
            "stepwise.eval.max_new_tokens=12",
            "stepwise.dpo.epochs=1",
            "stepwise.dpo.batch_size=2",
            "stepwise.loop.rounds=1")) {
      args.add("--set");
      args.add(kv);
    }
    return args.toArray(String[]::new);
  }

  @Test
  void importsSftsSearchesTrainsAndEvaluatesOnGsm8kWithAQwenFormatModel(@TempDir Path tmp)
      throws Exception {
    File shared = Cli.sharedData();
    slice(new File(shared, "gsm8k/train.jsonl"), tmp.resolve("gsm8k"), TRAIN_ROWS);
    slice(new File(shared, "gsm8k/test.jsonl"), tmp.resolve("gsm8k"), 6);
    slice(new File(shared, "mgsm/mgsm_en.tsv"), tmp.resolve("mgsm"), 4);
    slice(new File(shared, "mgsm/mgsm_de.tsv"), tmp.resolve("mgsm"), 4);
    Path model = qwenMicroModel(tmp, tmp.resolve("gsm8k/train.jsonl"));
    Path run = tmp.resolve("run");

    // Golden prompts: the configured templates as one user turn through the model's own chat
    // template.
    try (HfTokenizer tokenizer = HfTokenizer.load(model)) {
      String question =
          "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. "
              + "How many clips did Natalia sell altogether in April and May?";
      assertThat(
              tokenizer.applyChatTemplate(
                  List.of(ChatMessage.user(PromptTemplates.DEFAULT.reasoning(question))), true))
          .isEqualTo(
              "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                  + "<|im_start|>user\nSolve the problem step by step. Begin each step with \"Step n: \" and put the final answer"
                  + " in \\boxed{}.\nProblem: "
                  + question
                  + "<|im_end|>\n<|im_start|>assistant\n");
      assertThat(
              tokenizer.applyChatTemplate(
                  List.of(
                      ChatMessage.user(
                          PromptTemplates.DEFAULT.judge(
                              question,
                              List.of("Step 1: Natalia sold 48/2 = 24 clips in May."),
                              "Step 2: 48+24 = 72",
                              "Step 2: 48+24 = 73"))),
                  true))
          .isEqualTo(
              "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                  + "<|im_start|>user\nAct as an impartial judge: which next step is correct and helpful for the question and"
                  + " previous steps? Ignore the order and length of the steps. Check each step, then answer [[A]] or [[B]].\n"
                  + "[Question]\n"
                  + question
                  + "\n[Previous Steps]\nStep 1: Natalia sold 48/2 = 24 clips in May.\n"
                  + "[Assistant A's Next Step]\nStep 2: 48+24 = 72\n[Assistant B's Next Step]\nStep 2: 48+24 = 73<|im_end|>\n"
                  + "<|im_start|>assistant\n");
    }

    for (String format : List.of("gsm8k", "mgsm")) {
      Cli.Result imported =
          Cli.run(
              "import", format, "--input", tmp.resolve(format).toString(), "--run", run.toString());
      assertThat(imported.exitCode()).as(imported.err()).isZero();
    }
    List<GenericRecord> train =
        ParquetFiles.read(run.resolve("data/prompts/source=gsm8k/split=train"));
    assertThat(train)
        .hasSize(TRAIN_ROWS)
        .allSatisfy(
            p -> {
              String solution = p.get("solution").toString();
              assertThat(StepFormat.problem(solution)).as(solution).isEmpty();
              assertThat(solution)
                  .doesNotContain("<<")
                  .doesNotContain("####")
                  .endsWith("\\boxed{" + p.get("gold") + "}.");
            });

    // Judge examples in the paper's format, as a user brings them: previous steps as an array or as
    // lines.
    Path judgeFile =
        Files.writeString(
            tmp.resolve("judge.jsonl"),
            String.join(
                "\n",
                "{\"question\": \"Tom has 3 apples and buys 4. How many?\", \"previous_steps\": [], \"step_a\": \"Step 1: 3 + 4 = 8\","
                    + " \"step_b\": \"Step 1: 3 + 4 = 7\", \"judgment\": \"3 + 4 is 7, so A is wrong and B is right. [[B]]\"}",
                "{\"question\": \"A pen costs $2. How much do 3 pens and a $1 pad cost?\", \"previous_steps\": \"Step 1: 3 * 2 = 6\","
                    + " \"step_a\": \"Step 2: 6 + 1 = 7\", \"step_b\": \"Step 2: 6 + 1 = 8\", \"judgment\": \"6 + 1 is 7: [[A]]\", \"lang\": \"en\"}"));
    Cli.Result result = Cli.run(args("run", run, model, judgeFile));
    assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
    List<StageRecord> stages = Manifest.parseStages(Files.readString(run.resolve("run.json")));
    assertThat(stages)
        .allSatisfy(s -> assertThat(s.status()).as(s.name()).isEqualTo(StageRecord.SUCCEEDED));

    // SFT trained on the converted GSM8K solutions and the judge pairs built from them, nothing
    // synthetic.
    @SuppressWarnings("unchecked")
    Map<String, Number> examples =
        (Map<String, Number>) stage(stages, "sft", null).metrics().get("examples");
    assertThat(examples)
        .containsOnlyKeys("ift/gsm8k/train", "eft/from_ift", "eft/" + judgeFile.toUri());
    assertThat(examples.get("eft/" + judgeFile.toUri()).longValue()).isEqualTo(2);
    assertThat(examples.get("ift/gsm8k/train").longValue()).isEqualTo(TRAIN_ROWS);
    assertThat(examples.get("eft/from_ift").longValue())
        .isEven()
        .isBetween(2L * TRAIN_ROWS - 8, 2L * TRAIN_ROWS);

    // The search used four imported train prompts; every judgment belongs to one of them.
    List<GenericRecord> solutions = ParquetFiles.read(run.resolve("data/solutions/round=1"));
    Set<String> searched =
        solutions.stream().map(s -> s.get("prompt_id").toString()).collect(Collectors.toSet());
    assertThat(searched).hasSize(4).allSatisfy(id -> assertThat(id).startsWith("gsm8k/train/"));
    List<GenericRecord> judgments = ParquetFiles.read(run.resolve("data/step_judgments/round=1"));
    assertThat(judgments)
        .isNotEmpty()
        .allSatisfy(j -> assertThat(searched).contains(j.get("prompt_id").toString()));
    assertThat(judgments.size() % 2).as("two candidates per iteration").isZero();
    assertThat(((Number) stage(stages, "search", 1).metrics().get("prompts")).longValue())
        .isEqualTo(4);

    // Pairs: the manifest counts what was written, and splits it by outcome.
    List<GenericRecord> pairs =
        run.resolve("data/step_pairs/round=1").toFile().exists()
            ? ParquetFiles.read(run.resolve("data/step_pairs/round=1"))
            : List.of();
    Map<String, Object> pairMetrics = stage(stages, "pairs", 1).metrics();
    assertThat(((Number) pairMetrics.get("pairs")).longValue()).isEqualTo(pairs.size());
    @SuppressWarnings("unchecked")
    Map<String, Number> outcome =
        (Map<String, Number>)
            ((Map<String, Object>) pairMetrics.get("pair_quality")).get("outcome");
    assertThat(outcome.values().stream().mapToLong(Number::longValue).sum())
        .isEqualTo(pairs.size());

    // Eval graded a seeded 2 per language of GSM8K test and MGSM (en, de) next to the synthetic
    // set, every round.
    for (int round : List.of(1, 2)) {
      List<GenericRecord> graded =
          ParquetFiles.read(run.resolve("data/eval_results/round=" + round));
      Map<String, Long> perBenchmark =
          graded.stream()
              .collect(
                  Collectors.groupingBy(
                      g -> g.get("benchmark") + "/" + g.get("lang"), Collectors.counting()));
      assertThat(perBenchmark)
          .containsExactlyInAnyOrderEntriesOf(
              Map.of(
                  "gsm8k/en",
                  2L,
                  "mgsm/en",
                  2L,
                  "mgsm/de",
                  2L,
                  "synthetic/en",
                  1L,
                  "synthetic-judge/en",
                  2L));
      Map<String, Object> eval = stage(stages, "eval", round).metrics();
      assertThat(eval).containsKeys("gsm8k/accuracy", "mgsm/accuracy");
      @SuppressWarnings("unchecked")
      Map<String, Object> mgsmByLang = (Map<String, Object>) eval.get("mgsm/accuracy_by_lang");
      assertThat(mgsmByLang).containsOnlyKeys("de", "en");
    }
    List<GenericRecord> first = ParquetFiles.read(run.resolve("data/eval_results/round=1"));
    assertThat(ids(ParquetFiles.read(run.resolve("data/eval_results/round=2"))))
        .as("the same imported items every round")
        .isEqualTo(ids(first));
    assertThat(
            ids(first).stream()
                .filter(id -> id.startsWith("mgsm/"))
                .map(id -> id.substring(id.lastIndexOf('/')))
                .distinct()
                .count())
        .as("MGSM's languages get the same problems")
        .isEqualTo(2);
    assertThat(Files.readString(run.resolve("reports/report.md")))
        .contains("gsm8k")
        .contains("mgsm");
    assertThat(result.out()).contains("gsm8k");
    assertThat(run.resolve("checkpoints/round=2/config.json")).exists();

    // Round 2 searches four fresh imported prompts.
    Cli.Result next = Cli.run(args("stage", run, model, judgeFile, "search", "--round", "2"));
    assertThat(next.exitCode()).as(next.err()).isZero();
    Set<String> second =
        ParquetFiles.read(run.resolve("data/solutions/round=2")).stream()
            .map(s -> s.get("prompt_id").toString())
            .collect(Collectors.toSet());
    assertThat(second)
        .hasSize(4)
        .allSatisfy(id -> assertThat(id).startsWith("gsm8k/train/"))
        .doesNotContainAnyElementsOf(searched);
  }

  @Test
  void aJudgeFileRowWithoutAVerdictStopsTheSftStageNamingTheRow(@TempDir Path tmp)
      throws Exception {
    Path judgeFile =
        Files.writeString(
            tmp.resolve("judge.jsonl"),
            "{\"question\": \"q\", \"step_a\": \"Step 1: 1 + 1 = 2\","
                + " \"step_b\": \"Step 1: 1 + 1 = 3\", \"judgment\": \"A looks right\"}\n");
    Cli.Result r =
        Cli.run(
            "stage",
            "sft",
            "--run",
            tmp.resolve("run").toString(),
            "--set",
            "stepwise.tasks.train_problems=2",
            "--set",
            "stepwise.sft.data.eft=[\"" + judgeFile.toUri() + "\"]");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .contains(judgeFile.toUri() + " row 1: judgment names neither or both of [[A]] and [[B]]");
  }

  private static Set<String> ids(List<GenericRecord> graded) {
    return graded.stream()
        .map(g -> g.get("prompt_id").toString())
        .filter(id -> !id.startsWith("synthetic"))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static StageRecord stage(List<StageRecord> stages, String name, Integer round) {
    return stages.stream()
        .filter(s -> s.name().equals(name) && Objects.equals(s.round(), round))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no stage " + name + " round " + round));
  }
}
