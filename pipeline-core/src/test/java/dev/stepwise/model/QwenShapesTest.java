package dev.stepwise.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import dev.stepwise.io.SafetensorsFile;
import dev.stepwise.io.TensorDType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QwenShapesTest {

  @TempDir Path dir;

  private static long parameters(LlamaConfig config) {
    return LlamaModel.expectedShapes(config).values().stream()
        .mapToLong(s -> Arrays.stream(s).reduce(1, Math::multiplyExact))
        .sum();
  }

  @Test
  void namedShapesHaveQwenParameterCounts() {
    // The counts Hugging Face reports for Qwen2.5-0.5B, -1.5B and -7B.
    assertThat(parameters(QwenShapes.config("qwen2.5-0.5b", 2))).isEqualTo(494_032_768L);
    assertThat(parameters(QwenShapes.config("qwen2.5-1.5b", 2))).isEqualTo(1_543_714_304L);
    assertThat(parameters(QwenShapes.config("qwen2.5-7b", 2))).isEqualTo(7_615_616_512L);
    LlamaConfig small = QwenShapes.config("qwen2.5-0.5b", 2);
    assertThat(small.headDim()).isEqualTo(64);
    assertThat(small.qkvBias()).isTrue();
    assertThat(small.ropeTheta()).isEqualTo(1e6);
    assertThatThrownBy(() -> QwenShapes.config("qwen2.5-3b", 2))
        .hasMessageContaining("qwen2.5-3b")
        .hasMessageContaining("qwen2.5-7b");
  }

  @Test
  void bf16InitAtAMicroQwenShapeIsSeededNormalAndLoads() throws IOException {
    LlamaConfig micro =
        new LlamaConfig(
            "qwen2", 600, 64, 160, 2, 4, 2, 16, 1e-6, 1e6, 512, false, false, null, 1, "bfloat16");
    TinyPreset.writeRandomInit(micro, 3, dir.resolve("a"), null, TensorDType.BF16);
    TinyPreset.writeRandomInit(micro, 3, dir.resolve("b"), null, TensorDType.BF16);
    TinyPreset.writeRandomInit(micro, 4, dir.resolve("c"), null, TensorDType.BF16);
    Path file = dir.resolve("a/model.safetensors");
    byte[] a = Files.readAllBytes(file);
    assertThat(a).isEqualTo(Files.readAllBytes(dir.resolve("b/model.safetensors")));
    assertThat(a).isNotEqualTo(Files.readAllBytes(dir.resolve("c/model.safetensors")));
    try (SafetensorsFile st = SafetensorsFile.open(file)) {
      for (String name : st.names()) assertThat(st.info(name).dtype()).as(name).isEqualTo("BF16");
      // Two bytes a value plus the header: nothing else is in the file.
      assertThat(Files.size(file)).isBetween(2 * parameters(micro), 2 * parameters(micro) + 20_000);
    }
    assertThat(LlamaConfig.read(dir.resolve("a/config.json"))).isEqualTo(micro);
    try (NDManager root = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(dir.resolve("a"), root)) {
      float[] embed = model.parameters().get("model.embed_tokens.weight").toFloatArray();
      double mean = 0, square = 0;
      for (float v : embed) {
        mean += v / embed.length;
        square += (double) v * v / embed.length;
      }
      assertThat(mean).isCloseTo(0, within(0.002));
      assertThat(Math.sqrt(square - mean * mean)).isCloseTo(0.02, within(0.001));
      // Each tensor has its own stream: the untied head is not a copy of the embedding.
      assertThat(model.parameters().get("lm_head.weight").toFloatArray()).isNotEqualTo(embed);
      assertThat(model.parameters().get("model.layers.1.self_attn.q_proj.bias").toFloatArray())
          .containsOnly(0f);
      assertThat(model.parameters().get("model.layers.0.input_layernorm.weight").toFloatArray())
          .containsOnly(1f);
      double perToken =
          new CompletionScorer(model)
                  .score(List.of(new int[] {1, 5}), List.of(new int[] {7, 9, 11}))
                  .get(0)
                  .sum()
              / 3;
      assertThat(perToken).isBetween(-Math.log(600) - 0.1, -Math.log(600) + 0.1);
    }
  }
}
