package dev.stepwise.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.io.SafetensorsFile;
import dev.stepwise.io.SafetensorsWriter;
import dev.stepwise.io.SafetensorsWriter.NamedTensor;
import dev.stepwise.io.ShardedSafetensors;
import dev.stepwise.io.TensorDType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

  @TempDir Path dir;

  private static final List<int[]> PROMPTS = List.of(new int[] {1, 5, 9}, new int[] {1});
  private static final List<int[]> COMPLETIONS =
      List.of(new int[] {2, 33, 17}, new int[] {40, 41, 42, 3});

  private static float[] scores(LlamaModel model) {
    List<CompletionScorer.Scored> s = new CompletionScorer(model).score(PROMPTS, COMPLETIONS);
    return new float[] {(float) s.get(0).sum(), (float) s.get(1).sum()};
  }

  @Test
  void savedF32CheckpointLoadsBackIdenticallyWithTokenizerFiles() throws IOException {
    Path tokenizer = Files.createDirectory(dir.resolve("tok"));
    Files.writeString(tokenizer.resolve("tokenizer.json"), "{\"model\":{}}");
    try (NDManager root = NDManager.newBaseManager();
        LlamaModel original = Checkpoint.load(Fixtures.dir("llama-bf16-sharded"), root)) {
      Path saved = dir.resolve("saved");
      Checkpoint.save(original, saved, TensorDType.F32, tokenizer);
      assertThat(Files.readString(saved.resolve("tokenizer.json"))).isEqualTo("{\"model\":{}}");
      assertThat(Files.readString(saved.resolve("generation_config.json")))
          .contains("\"eos_token_id\": 2");
      assertThat(LlamaConfig.read(saved.resolve("config.json")))
          .isEqualTo(original.config().withTorchDtype("float32"));
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
    try (NDManager root = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(dir.resolve("a"), root)) {
      long count = model.parameters().values().stream().mapToLong(p -> p.getShape().size()).sum();
      assertThat(count)
          .isEqualTo(
              259L * 128 + 4 * (128 * 128 * 2 + 64 * 128 * 2 + 3 * 128 * 384 + 2 * 128) + 128);
      assertThat(model.parameters()).doesNotContainKey("lm_head.weight"); // tied
      // Near-uniform at init: per-token log-probs close to -ln(vocab). Logits have a standard
      // deviation
      // of about 0.02 * sqrt(128) = 0.23 at init, so a mean over 4 tokens lies within ~0.12 of it
      // per sigma.
      double perToken = new CompletionScorer(model).score(PROMPTS, COMPLETIONS).get(1).sum() / 4;
      assertThat(perToken).isBetween(-Math.log(259) - 0.3, -Math.log(259) + 0.3);
    }
  }

  @Test
  void configErrorsNameTheFileAndKey() throws IOException {
    Path config = copyFixture("qwen2-tiny").resolve("config.json");
    String json = Files.readString(config);
    Files.writeString(config, json.replace("\"qwen2\"", "\"mistral\""));
    assertThatThrownBy(() -> LlamaConfig.read(config))
        .hasMessageContaining(config.toString())
        .hasMessageContaining("mistral")
        .hasMessageContaining("[llama, qwen2]");
    Files.writeString(
        config,
        json.replace(
            "\"rope_theta\"",
            "\"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4.0}, \"rope_theta\""));
    assertThatThrownBy(() -> LlamaConfig.read(config))
        .hasMessageContaining(config.toString())
        .hasMessageContaining("rope_scaling")
        .hasMessageContaining("yarn");
    Files.writeString(
        config, json.replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3"));
    assertThatThrownBy(() -> LlamaConfig.read(config))
        .hasMessageContaining("num_key_value_heads (3)");
  }

  @Test
  void checkpointMismatchesNameTheTensor() throws IOException {
    Path model = copyFixture("qwen2-tiny");
    Path config = model.resolve("config.json");
    String json = Files.readString(config);
    Files.writeString(
        config, json.replace("\"intermediate_size\": 48", "\"intermediate_size\": 50"));
    try (NDManager root = NDManager.newBaseManager()) {
      assertThatThrownBy(() -> Checkpoint.load(model, root))
          .hasMessageContaining("model.layers.0.mlp.gate_proj.weight")
          .hasMessageContaining("[48, 32]")
          .hasMessageContaining("[50, 32]");
      Files.writeString(
          config, json.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
      assertThatThrownBy(() -> Checkpoint.load(model, root))
          .hasMessageContaining("no tensor 'model.layers.2.input_layernorm.weight'");
      Files.writeString(
          config, json.replace("\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false"));
      assertThatThrownBy(() -> Checkpoint.load(model, root))
          .hasMessageContaining("'lm_head.weight'");
      Files.writeString(config, json.replace("\"qwen2\"", "\"llama\"")); // Llama has no q/k/v bias
      assertThatThrownBy(() -> Checkpoint.load(model, root))
          .hasMessageContaining("unexpected tensor")
          .hasMessageContaining("_proj.bias");
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

  @Test
  void computeDtypeIsF16OnAGpuAndF32OnTheCpuByDefaultAndBfloat16IsRefused() {
    assertThat(Checkpoint.computeDtype("auto", Device.gpu(0))).isEqualTo(TensorDType.F16);
    assertThat(Checkpoint.computeDtype("auto", Device.cpu())).isEqualTo(TensorDType.F32);
    assertThat(Checkpoint.computeDtype("float16", Device.cpu())).isEqualTo(TensorDType.F16);
    assertThatThrownBy(() -> Checkpoint.computeDtype("bfloat16", Device.gpu(0)))
        .hasMessageContaining("aborts the JVM");
    assertThatThrownBy(() -> Checkpoint.load(Fixtures.dir("qwen2-tiny"), null, TensorDType.BF16))
        .hasMessageContaining("bfloat16");
  }

  @Test
  void f16LoadKeepsNormsF32AndNamesATensorOutsideF16sRange() throws IOException {
    try (NDManager root = NDManager.newBaseManager();
        LlamaModel half = Checkpoint.load(Fixtures.dir("qwen2-tiny"), root, TensorDType.F16)) {
      assertThat(half.parameters().get("model.layers.0.mlp.up_proj.weight").getDataType())
          .isEqualTo(DataType.FLOAT16);
      assertThat(half.parameters().get("model.layers.0.self_attn.q_proj.bias").getDataType())
          .isEqualTo(DataType.FLOAT16);
      assertThat(half.parameters().get("model.norm.weight").getDataType())
          .isEqualTo(DataType.FLOAT32);
      Path big = dir.resolve("big");
      List<NamedTensor> tensors = new ArrayList<>();
      for (Map.Entry<String, NDArray> e : half.parameters().entrySet()) {
        float[] data = e.getValue().toType(DataType.FLOAT32, false).toFloatArray();
        if (e.getKey().equals("model.layers.1.mlp.down_proj.weight"))
          data[3] = 1e5f; // fine in BF16, not in F16
        tensors.add(new NamedTensor(e.getKey(), e.getValue().getShape().getShape(), data));
      }
      Checkpoint.saveTensors(
          half.config(), tensors, big, TensorDType.BF16, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
      try (LlamaModel f32 = Checkpoint.load(big, root)) {
        assertThat(f32.parameters().get("model.layers.1.mlp.down_proj.weight").getFloat(0, 3))
            .isEqualTo(99840f); // BF16 rounding of 1e5
      }
      assertThatThrownBy(() -> Checkpoint.load(big, root, TensorDType.F16))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("'model.layers.1.mlp.down_proj.weight'")
          .hasMessageContaining("element 3")
          .hasMessageContaining("float32");
    }
  }

  @Test
  void threeShardCheckpointRoundTripsWithAnHfIndexAndAResaveDropsTheShards() throws IOException {
    try (NDManager root = NDManager.newBaseManager();
        LlamaModel original = Checkpoint.load(Fixtures.dir("qwen2-tiny"), root)) {
      Path sharded = dir.resolve("sharded");
      long maxShardBytes =
          32_000; // the fixture has 70,784 bytes of F32 weights: 3 shards, greedily in HF order
      Checkpoint.save(original, sharded, TensorDType.F32, null, maxShardBytes);
      JsonObject index =
          JsonParser.parseString(Files.readString(sharded.resolve(ShardedSafetensors.INDEX)))
              .getAsJsonObject();
      assertThat(index.getAsJsonObject("metadata").get("total_size").getAsLong()).isEqualTo(70_784);
      Set<String> shards = new TreeSet<>();
      index
          .getAsJsonObject("weight_map")
          .entrySet()
          .forEach(e -> shards.add(e.getValue().getAsString()));
      assertThat(shards)
          .containsExactly(
              "model-00001-of-00003.safetensors",
              "model-00002-of-00003.safetensors",
              "model-00003-of-00003.safetensors");
      assertThat(index.getAsJsonObject("weight_map").keySet())
          .isEqualTo(original.parameters().keySet());
      for (String shard : shards) {
        try (SafetensorsFile f = SafetensorsFile.open(sharded.resolve(shard))) {
          long bytes = f.names().stream().mapToLong(n -> f.info(n).end() - f.info(n).begin()).sum();
          assertThat(bytes).as(shard).isLessThanOrEqualTo(maxShardBytes);
        }
      }
      assertThat(Files.exists(sharded.resolve(ShardedSafetensors.SINGLE))).isFalse();
      try (LlamaModel reloaded = Checkpoint.load(sharded, root)) {
        for (Map.Entry<String, NDArray> e : original.parameters().entrySet()) {
          assertThat(reloaded.parameters().get(e.getKey()).toFloatArray())
              .as(e.getKey())
              .containsExactly(e.getValue().toFloatArray());
        }
      }
      Checkpoint.save(original, sharded, TensorDType.F32, null);
      try (var files = Files.list(sharded)) {
        assertThat(
                files
                    .map(f -> f.getFileName().toString())
                    .filter(n -> n.contains("safetensors"))
                    .toList())
            .containsExactly(ShardedSafetensors.SINGLE);
      }
    }
  }

  /**
   * A BF16 embedding of 262,160 x 2,048 (1.07 GB in the file, 2.15 GB as F32: over what one Java
   * buffer holds) loads in blocks and saves back to the same bytes. Zero blocks stay holes, so the
   * two files cost little disk.
   */
  @Test
  void bf16TensorOverTwoGigabytesAsF32LoadsAndRoundTrips() throws IOException {
    LlamaConfig config =
        new LlamaConfig(
            "llama",
            262_160,
            2048,
            8,
            1,
            1,
            1,
            2048,
            1e-5,
            10000.0,
            64,
            true,
            false,
            1,
            2,
            "bfloat16");
    long embedding = 262_160L * 2048;
    assertThat(embedding * 4).isGreaterThan(Integer.MAX_VALUE);
    // first element, the first of the second 256 MB load block, the middle one, the last one
    long[] positions = {0, (1L << 26), embedding / 2 + 3, embedding - 1};
    float[] marks = {1.5f, 7f, -3.25f, 0.125f};
    Random rng = new Random(7);
    List<NamedTensor> tensors = new ArrayList<>();
    for (Map.Entry<String, long[]> e : LlamaModel.expectedShapes(config).entrySet()) {
      long[] shape = e.getValue();
      if (e.getKey().equals("model.embed_tokens.weight")) {
        tensors.add(
            new NamedTensor(
                e.getKey(),
                shape,
                (first, into) -> {
                  Arrays.fill(into, 0f);
                  for (int i = 0; i < positions.length; i++) {
                    if (positions[i] >= first && positions[i] < first + into.length)
                      into[(int) (positions[i] - first)] = marks[i];
                  }
                }));
      } else {
        float[] data =
            new float[Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact))];
        for (int i = 0; i < data.length; i++)
          data[i] = e.getKey().endsWith("norm.weight") ? 1f : (float) rng.nextGaussian() * 0.02f;
        tensors.add(new NamedTensor(e.getKey(), shape, data));
      }
    }
    Path source = dir.resolve("big");
    Checkpoint.saveTensors(
        config, tensors, source, TensorDType.BF16, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
    Path copy = dir.resolve("copy");
    try (NDManager root = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(source, root)) {
      NDArray weights = model.parameters().get("model.embed_tokens.weight");
      assertThat(weights.getDataType()).isEqualTo(DataType.FLOAT32);
      for (int i = 0; i < positions.length; i++) {
        assertThat(weights.getFloat(positions[i] / 2048, positions[i] % 2048))
            .as("element %d", positions[i])
            .isEqualTo(marks[i]);
      }
      assertThat(weights.getFloat(1, 0)).isZero();
      Checkpoint.save(model, copy, TensorDType.BF16, null);
    }
    assertThat(
            Files.mismatch(
                source.resolve(ShardedSafetensors.SINGLE), copy.resolve(ShardedSafetensors.SINGLE)))
        .isEqualTo(-1);
  }
}
