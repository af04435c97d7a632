package dev.stepwise.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.stepwise.io.SafetensorsFile;
import dev.stepwise.io.TensorDType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

  @TempDir Path dir;

  private static final List<int[]> PROMPTS = List.of(new int[] {1, 5, 9}, new int[] {1});
  private static final List<int[]> COMPLETIONS = List.of(new int[] {2, 33, 17}, new int[] {40, 41, 42, 3});

  private static float[] scores(LlamaModel model) {
    List<CompletionScorer.Scored> s = new CompletionScorer(model).score(PROMPTS, COMPLETIONS);
    return new float[] {(float) s.get(0).sum(), (float) s.get(1).sum()};
  }

  @Test
  void savedF32CheckpointLoadsBackIdenticallyWithTokenizerFiles() throws IOException {
    Path tokenizer = Files.createDirectory(dir.resolve("tok"));
    Files.writeString(tokenizer.resolve("tokenizer.json"), "{\"model\":{}}");
    try (NDManager root = NDManager.newBaseManager(); LlamaModel original = Checkpoint.load(Fixtures.dir("llama-bf16-sharded"), root)) {
      Path saved = dir.resolve("saved");
      Checkpoint.save(original, saved, TensorDType.F32, tokenizer);
      assertThat(Files.readString(saved.resolve("tokenizer.json"))).isEqualTo("{\"model\":{}}");
      assertThat(Files.readString(saved.resolve("generation_config.json"))).contains("\"eos_token_id\": 2");
      assertThat(LlamaConfig.read(saved.resolve("config.json"))).isEqualTo(original.config().withTorchDtype("float32"));
      try (LlamaModel reloaded = Checkpoint.load(saved, root)) {
        assertThat(scores(reloaded)).containsExactly(scores(original));
      }
      // BF16 weights survive a BF16 save unchanged (they were BF16 to begin with).
      Checkpoint.save(original, dir.resolve("bf16"), TensorDType.BF16, null);
      try (LlamaModel bf16 = Checkpoint.load(dir.resolve("bf16"), root)) {
        assertThat(scores(bf16)).containsExactly(scores(original));
        assertThat(bf16.config().torchDtype()).isEqualTo("bfloat16");
      }
    }
  }

  @Test
  void tinyPresetInitIsSeededAndLoads() throws IOException {
    LlamaConfig config = TinyPreset.config(259, 256, 257);
    TinyPreset.writeRandomInit(config, 7L, dir.resolve("a"), null);
    TinyPreset.writeRandomInit(config, 7L, dir.resolve("b"), null);
    TinyPreset.writeRandomInit(config, 8L, dir.resolve("c"), null);
    byte[] a = Files.readAllBytes(dir.resolve("a/model.safetensors"));
    assertThat(a).isEqualTo(Files.readAllBytes(dir.resolve("b/model.safetensors")));
    assertThat(a).isNotEqualTo(Files.readAllBytes(dir.resolve("c/model.safetensors")));
    try (NDManager root = NDManager.newBaseManager(); LlamaModel model = Checkpoint.load(dir.resolve("a"), root)) {
      long count = model.parameters().values().stream().mapToLong(p -> p.getShape().size()).sum();
      assertThat(count).isEqualTo(259L * 128 + 4 * (128 * 128 * 2 + 64 * 128 * 2 + 3 * 128 * 384 + 2 * 128) + 128);
      assertThat(model.parameters()).doesNotContainKey("lm_head.weight"); // tied
      // Near-uniform at init: per-token log-probs close to -ln(vocab). Logits have a standard deviation
      // of about 0.02 * sqrt(128) = 0.23 at init, so a mean over 4 tokens lies within ~0.12 of it per sigma.
      double perToken = new CompletionScorer(model).score(PROMPTS, COMPLETIONS).get(1).sum() / 4;
      assertThat(perToken).isBetween(-Math.log(259) - 0.3, -Math.log(259) + 0.3);
    }
  }

  @Test
  void configErrorsNameTheFileAndKey() throws IOException {
    Path config = copyFixture("qwen2-tiny").resolve("config.json");
    String json = Files.readString(config);
    Files.writeString(config, json.replace("\"qwen2\"", "\"mistral\""));
    assertThatThrownBy(() -> LlamaConfig.read(config)).hasMessageContaining(config.toString()).hasMessageContaining("mistral")
        .hasMessageContaining("[llama, qwen2]");
    Files.writeString(config, json.replace("\"rope_theta\"", "\"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4.0}, \"rope_theta\""));
    assertThatThrownBy(() -> LlamaConfig.read(config)).hasMessageContaining(config.toString()).hasMessageContaining("rope_scaling")
        .hasMessageContaining("yarn");
    Files.writeString(config, json.replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3"));
    assertThatThrownBy(() -> LlamaConfig.read(config)).hasMessageContaining("num_key_value_heads (3)");
  }

  @Test
  void checkpointMismatchesNameTheTensor() throws IOException {
    Path model = copyFixture("qwen2-tiny");
    Path config = model.resolve("config.json");
    String json = Files.readString(config);
    Files.writeString(config, json.replace("\"intermediate_size\": 48", "\"intermediate_size\": 50"));
    try (NDManager root = NDManager.newBaseManager()) {
      assertThatThrownBy(() -> Checkpoint.load(model, root)).hasMessageContaining("model.layers.0.mlp.gate_proj.weight")
          .hasMessageContaining("[48, 32]").hasMessageContaining("[50, 32]");
      Files.writeString(config, json.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
      assertThatThrownBy(() -> Checkpoint.load(model, root)).hasMessageContaining("no tensor 'model.layers.2.input_layernorm.weight'");
      Files.writeString(config, json.replace("\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false"));
      assertThatThrownBy(() -> Checkpoint.load(model, root)).hasMessageContaining("'lm_head.weight'");
      Files.writeString(config, json.replace("\"qwen2\"", "\"llama\"")); // Llama has no q/k/v bias
      assertThatThrownBy(() -> Checkpoint.load(model, root)).hasMessageContaining("unexpected tensor").hasMessageContaining("_proj.bias");
    }
  }

  private Path copyFixture(String name) throws IOException {
    Path to = Files.createDirectory(dir.resolve(name));
    try (var files = Files.list(Fixtures.dir(name))) {
      for (Path f : files.toList()) Files.copy(f, to.resolve(f.getFileName()));
    }
    try (SafetensorsFile f = SafetensorsFile.open(to.resolve("model.safetensors"))) {
      assertThat(f.names()).isNotEmpty();
    }
    return to;
  }
}
