package dev.stepwise.spark.jobs.multilingual;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.TinyPreset;
import dev.stepwise.multilingual.ActivationCounts;
import dev.stepwise.multilingual.ActivationRecorder;
import dev.stepwise.multilingual.ResponseSequence;
import dev.stepwise.spark.Cli;
import dev.stepwise.spark.ParquetFiles;
import dev.stepwise.spark.config.StepwiseConfig;
import dev.stepwise.spark.config.TasksConfig;
import dev.stepwise.spark.runtime.Manifest;
import dev.stepwise.spark.runtime.StageRecord;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskExample;
import dev.stepwise.tasks.TinyTokenizer;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Micro runs of the multilingual jobs on local[2] with a tiny random model. */
class MultilingualJobsTest {
  @TempDir static Path tmp;
  private static Path model;
  private static Path otherModel;

  @BeforeAll
  static void tinyModel() throws Exception {
    Path tok = tmp.resolve("tok");
    TinyTokenizer.write(tok, 300, 3);
    HfTokenizer tokenizer = HfTokenizer.load(tok);
    model = tmp.resolve("m0");
    TinyPreset.writeRandomInit(
        TinyPreset.config(tokenizer.vocabSize(), null, new ChatFormat(tokenizer).eosId()),
        5,
        model,
        tok);
    otherModel = tmp.resolve("m0-seed6");
    TinyPreset.writeRandomInit(
        TinyPreset.config(tokenizer.vocabSize(), null, new ChatFormat(tokenizer).eosId()),
        6,
        otherModel,
        tok);
  }

  private String run(String name) {
    return tmp.resolve(name).toString();
  }

  @Test
  void translationPairsFromMgsmSliceAndSyntheticProblemsWithRejects() {
    String run = run("pairs");
    Cli.Result imported =
        Cli.run("import", "mgsm", "--input", Cli.resource("mgsm-slice"), "--run", run);
    assertThat(imported.exitCode()).as(imported.err()).isZero();
    Cli.Result r =
        Cli.run(
            "translation-pairs",
            "--run",
            run,
            "--set",
            "stepwise.align.synthetic_problems=3",
            "--set",
            "stepwise.align.prompts_source=mgsm",
            "--set",
            "stepwise.align.prompts_split=test");
    assertThat(r.exitCode()).as(r.err()).isZero();
    // 5 MGSM + 3 synthetic per language; German line 6 has no English line.
    assertThat(r.out()).contains("translation pairs: 16 written, 1 rejected");
    List<GenericRecord> de =
        ParquetFiles.read(tmp.resolve("pairs/data/translation_pairs/src_lang=de"));
    assertThat(de).hasSize(8);
    GenericRecord first =
        de.stream()
            .filter(g -> g.get("src_prompt_id").toString().equals("mgsm/test/de/1"))
            .findFirst()
            .orElseThrow();
    assertThat(first.get("tgt_prompt_id").toString()).isEqualTo("mgsm/test/en/1");
    assertThat(first.get("input").toString())
        .endsWith("\nTranslate the input from German to English:");
    List<GenericRecord> rejected =
        ParquetFiles.read(
            tmp.resolve("pairs/data/_rejected/dataset=translation_pairs/source=mgsm/split=test"));
    assertThat(rejected)
        .singleElement()
        .satisfies(
            g -> {
              assertThat(g.get("reason").toString())
                  .isEqualTo("no en question with parallel_id mgsm/test/6");
              assertThat(g.get("line")).isEqualTo(6L);
            });
  }

  @Test
  void alignTrainsWritesALoadableCheckpointManifestEntryAndTheBeforeAfterTable() throws Exception {
    String run = run("align");
    Path out = tmp.resolve("align/aligned");
    Cli.Result r =
        Cli.run(
            "align",
            "--run",
            run,
            "--from",
            model.toString(),
            "--out",
            out.toString(),
            "--set",
            "stepwise.align.synthetic_problems=8",
            "--set",
            "stepwise.align.steps=3",
            "--set",
            "stepwise.align.batch_size=2",
            "--set",
            "stepwise.align.gradient_accumulation=1",
            "--set",
            "stepwise.align.lr=1e-3",
            "--set",
            "stepwise.align.eval_problems=1",
            "--set",
            "stepwise.eval.max_new_tokens=3");
    assertThat(r.exitCode()).as(r.err() + r.out()).isZero();
    assertThat(r.out())
        .contains(
            "translation pairs: 16 written",
            "global_step=3",
            "| synthetic | mean | aligned |",
            "| synthetic | mean | unseen  |");
    try (NDManager manager = NDManager.newBaseManager();
        LlamaModel before = Checkpoint.load(model, manager);
        LlamaModel after = Checkpoint.load(out, manager)) {
      float[] w0 = before.parameters().get("model.embed_tokens.weight").toFloatArray();
      float[] w1 = after.parameters().get("model.embed_tokens.weight").toFloatArray();
      assertThat(w1).hasSameSizeAs(w0).isNotEqualTo(w0);
    }
    List<StageRecord> stages =
        Manifest.parseStages(Files.readString(tmp.resolve("align/run.json")));
    StageRecord align =
        stages.stream().filter(s -> s.name().equals("align")).findFirst().orElseThrow();
    assertThat(align.status()).isEqualTo("succeeded");
    assertThat(align.metrics()).containsKeys("loss", "grad_norm", "learning_rate");
    assertThat(align.metrics().get("train_examples")).isEqualTo(16L);
    // 10 languages x 1 problem x 2 models.
    List<GenericRecord> eval = ParquetFiles.read(tmp.resolve("align/data/eval_results/round=0"));
    assertThat(eval).hasSize(20);
    assertThat(eval.stream().map(g -> g.get("model_id").toString()).distinct()).hasSize(2);
    // The same prompt ids as the eval stage's, so the two evaluations join.
    assertThat(eval.stream().map(g -> g.get("prompt_id").toString()).distinct())
        .hasSize(10)
        .contains("synthetic/eval/0/en", "synthetic/eval/0/zh");
  }

  @Test
  void alignWithTwoWorkersAveragesWeightsAndPublishesOneCheckpoint() throws Exception {
    String run = run("align2");
    Path out = tmp.resolve("align2/aligned");
    // 3 steps, averaging after steps 2 and 3: both barriers are crossed by both tasks.
    Cli.Result r =
        Cli.run(
            "align",
            "--run",
            run,
            "--from",
            model.toString(),
            "--out",
            out.toString(),
            "--no-eval",
            "--set",
            "stepwise.train.workers=2",
            "--set",
            "stepwise.train.sync_every=2",
            "--set",
            "stepwise.align.synthetic_problems=4",
            "--set",
            "stepwise.align.steps=3",
            "--set",
            "stepwise.align.batch_size=2",
            "--set",
            "stepwise.align.gradient_accumulation=1",
            "--set",
            "stepwise.align.lr=1e-3");
    assertThat(r.exitCode()).as(r.err() + r.out()).isZero();
    assertThat(r.out()).contains("global_step=3");
    try (NDManager manager = NDManager.newBaseManager();
        LlamaModel before = Checkpoint.load(model, manager);
        LlamaModel after = Checkpoint.load(out, manager)) {
      float[] w0 = before.parameters().get("model.layers.0.mlp.gate_proj.weight").toFloatArray();
      float[] w1 = after.parameters().get("model.layers.0.mlp.gate_proj.weight").toFloatArray();
      assertThat(w1).hasSameSizeAs(w0).isNotEqualTo(w0);
    }
    StageRecord align =
        Manifest.parseStages(Files.readString(tmp.resolve("align2/run.json"))).stream()
            .filter(s -> s.name().equals("align"))
            .findFirst()
            .orElseThrow();
    assertThat(align.metrics()).containsEntry("workers", 2L).containsEntry("train_examples", 8L);
    // The averaging scratch files are gone once both workers passed the last barrier.
    assertThat(tmp.resolve("align2/_tmp/align-sync-aligned"))
        .satisfiesAnyOf(p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
  }

  @Test
  void compareWithoutLanguageNeuronsBeforeReportsTheOverlapAsUndefined() throws Exception {
    // Random models have tau = 1, so no neuron of any type: both overlaps are 0/0.
    Cli.Result r =
        Cli.run(
            "neurons",
            "--run",
            run("compare"),
            "--model",
            model.toString(),
            "--compare",
            otherModel.toString(),
            "--set",
            "stepwise.neurons.problems_per_language=1");
    assertThat(r.exitCode()).as(r.err() + r.out()).isZero();
    assertThat(r.out())
        .contains("overlap before/after: specific n/a (none before), related n/a (none before)");
    StageRecord neurons =
        Manifest.parseStages(Files.readString(tmp.resolve("compare/run.json"))).stream()
            .filter(s -> s.name().equals("neurons"))
            .findFirst()
            .orElseThrow();
    assertThat(neurons.status()).isEqualTo("succeeded");
    assertThat(neurons.metrics()).doesNotContainKeys("specific_overlap", "related_overlap");
  }

  @Test
  void distributedNeuronCountsEqualOneJvmRecording() throws Exception {
    String run = run("neurons");
    Cli.Result r =
        Cli.run(
            "neurons",
            "--run",
            run,
            "--model",
            model.toString(),
            "--deactivate",
            "zh",
            "--set",
            "stepwise.neurons.problems_per_language=2",
            "--set",
            "stepwise.neurons.batch_size=1",
            "--set",
            "stepwise.neurons.partitions=3",
            "--set",
            "stepwise.neurons.max_new_tokens=3");
    assertThat(r.exitCode()).as(r.err() + r.out()).isZero();
    assertThat(r.out()).contains("understanding", "vocabulary-output", "deactivating zh");

    Map<String, List<ResponseSequence>> byLang = new HashMap<>();
    HfTokenizer tokenizer = HfTokenizer.load(model);
    ChatFormat chat = new ChatFormat(tokenizer);
    TasksConfig tasks = TasksConfig.from(StepwiseConfig.reference().raw());
    for (TaskExample e : tasks.generator().ift(Split.EVAL, 0, 2, Language.all())) {
      byLang
          .computeIfAbsent(e.lang(), l -> new ArrayList<>())
          .add(new ResponseSequence(chat.prompt(e.prompt()), chat.completion(e.completion())));
    }
    List<GenericRecord> stats = ParquetFiles.read(tmp.resolve("neurons/data/neuron_stats/round=0"));
    try (NDManager manager = NDManager.newBaseManager();
        LlamaModel m = Checkpoint.load(model, manager)) {
      assertThat(stats).hasSize(m.config().numHiddenLayers() * m.config().intermediateSize());
      for (Language lang : Language.all()) {
        ActivationCounts expected =
            ActivationRecorder.record(m, byLang.get(lang.code()), lang.code(), 1);
        long[] found = new long[expected.layers() * expected.neurons()];
        for (GenericRecord g : stats) {
          Map<?, ?> active = (Map<?, ?>) g.get("active_tokens");
          Object count =
              active.entrySet().stream()
                  .filter(e -> e.getKey().toString().equals(lang.code()))
                  .findFirst()
                  .orElseThrow()
                  .getValue();
          found[(Integer) g.get("layer") * expected.neurons() + (Integer) g.get("neuron")] =
              (Long) count;
        }
        assertThat(found).as(lang.code()).isEqualTo(expected.activeCounts());
        assertThat(Arrays.stream(found).filter(v -> v > 0).count())
            .as("some neurons fire, some do not")
            .isBetween(1L, found.length - 1L);
      }
    }
    assertThat(tmp.resolve("neurons/reports"))
        .isDirectoryContaining(p -> p.getFileName().toString().endsWith(".png"));
  }
}
