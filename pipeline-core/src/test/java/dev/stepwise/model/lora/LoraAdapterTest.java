package dev.stepwise.model.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.io.SafetensorsFile;
import dev.stepwise.io.TensorDType;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.CompletionScorer;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.ProjectionHook;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA on the decoder against plain-Java references, and its adapter directory against PEFT's
 * format.
 */
class LoraAdapterTest {

  /**
   * qwen2-tiny: hidden 32, intermediate 48, 2 layers, 4 query heads of 8 sharing 2 KV heads, q/k/v
   * biases.
   */
  static Path base() throws IOException {
    try {
      return Path.of(LoraAdapterTest.class.getResource("/fixtures/qwen2-tiny/config.json").toURI())
          .getParent();
    } catch (URISyntaxException e) {
      throw new IOException(e);
    }
  }

  static final LoraSettings SETTINGS =
      new LoraSettings(4, 8, 0, List.of("q_proj", "v_proj", "o_proj", "down_proj"));

  /** A new adapter whose lora_B is random too (a fresh one's is zero and changes nothing). */
  static LoraAdapter randomAdapter(LlamaModel model, LoraSettings settings, long seed) {
    LoraAdapter adapter = LoraAdapter.create(model, settings, "base", seed);
    Random rng = new Random(seed);
    adapter
        .parameters()
        .forEach(
            (name, p) -> {
              if (name.endsWith("lora_B.weight")) p.set(gaussians(rng, (int) p.size(), 0.5));
            });
    return adapter;
  }

  static float[] gaussians(Random rng, int n, double std) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) out[i] = (float) (rng.nextGaussian() * std);
    return out;
  }

  @Test
  void projectionAndItsGradientsMatchPlainJavaArithmetic() throws Exception {
    try (NDManager root = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(base(), root)) {
      LoraAdapter adapter = randomAdapter(model, SETTINGS, 3);
      assertBranchMatchesJava(model, adapter, adapter, x -> x);
    }
  }

  /**
   * Layer 1's v_proj through {@code hook} (an {@code adapter}'s), and the gradients of L = sum(y *
   * G) at its lora_A and lora_B, against plain Java on 6 random rows, with lora_A reading {@code
   * loraInput} of the rows (flattened [6, 32]): y = W x + (alpha/r) B A loraInput(x).
   */
  static void assertBranchMatchesJava(
      LlamaModel model,
      LoraAdapter adapter,
      ProjectionHook hook,
      java.util.function.UnaryOperator<double[]> loraInput) {
    NDArray loraA =
        adapter
            .parameters()
            .get("base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight"); // [4, 32]
    NDArray loraB =
        adapter
            .parameters()
            .get("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight"); // [16, 4]
    NDArray weight = model.parameters().get("model.layers.1.self_attn.v_proj.weight"); // [16, 32]
    int rows = 6, in = 32, out = 16, r = 4;
    Random rng = new Random(9);
    float[] x = gaussians(rng, rows * in, 1), g = gaussians(rng, rows * out, 1);
    float[] a = loraA.toFloatArray(), b = loraB.toFloatArray(), w = weight.toFloatArray();
    loraA.setRequiresGradient(true);
    loraB.setRequiresGradient(true);
    float[] y, gradA, gradB;
    try (NDManager scope = model.manager().newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray input = scope.create(x, new Shape(2, 3, in));
      NDArray result =
          hook.project(1, "v_proj", input, Linear.linear(input, weight).singletonOrThrow());
      collector.backward(result.mul(scope.create(g, new Shape(2, 3, out))).sum()); // L = sum(y * G)
      y = result.toFloatArray();
      gradA = loraA.getGradient().toFloatArray();
      gradB = loraB.getGradient().toFloatArray();
      assertThat(weight.hasGradient()).isFalse();
    }
    double[] xd = new double[x.length];
    for (int i = 0; i < x.length; i++) xd[i] = x[i];
    xd = loraInput.apply(xd);
    double scale = adapter.settings().scale();
    double[] ax = new double[rows * r]; // A loraInput(x) per row
    for (int n = 0; n < rows; n++)
      for (int k = 0; k < r; k++)
        for (int i = 0; i < in; i++) ax[n * r + k] += a[k * in + i] * xd[n * in + i];
    double[] bg = new double[rows * r]; // B^T g per row
    for (int n = 0; n < rows; n++)
      for (int k = 0; k < r; k++)
        for (int o = 0; o < out; o++) bg[n * r + k] += b[o * r + k] * g[n * out + o];
    for (int n = 0; n < rows; n++) {
      for (int o = 0; o < out; o++) { // the base sees all of x
        double expected = 0;
        for (int i = 0; i < in; i++) expected += w[o * in + i] * x[n * in + i];
        for (int k = 0; k < r; k++) expected += scale * b[o * r + k] * ax[n * r + k];
        assertThat((double) y[n * out + o]).as("y[%d][%d]", n, o).isCloseTo(expected, within(1e-4));
      }
    }
    for (int k = 0; k < r; k++) {
      for (int i = 0; i < in; i++) { // dL/dA = scale * sum_n (B^T g_n) loraInput(x_n)^T
        double expected = 0;
        for (int n = 0; n < rows; n++) expected += scale * bg[n * r + k] * xd[n * in + i];
        assertThat((double) gradA[k * in + i])
            .as("dA[%d][%d]", k, i)
            .isCloseTo(expected, within(1e-4));
      }
      for (int o = 0; o < out; o++) { // dL/dB = scale * sum_n g_n (A loraInput(x_n))^T
        double expected = 0;
        for (int n = 0; n < rows; n++) expected += scale * g[n * out + o] * ax[n * r + k];
        assertThat((double) gradB[o * r + k])
            .as("dB[%d][%d]", o, k)
            .isCloseTo(expected, within(1e-4));
      }
    }
  }

  @Test
  void aNewAdapterIsKaimingUniformAAndZeroBSoTheModelIsUnchanged() throws Exception {
    try (NDManager root = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(base(), root)) {
      // The base's projections one by one, as the adapter sees them (a frozen model without a
      // hook runs q/k/v and gate/up fused, equal only to rounding).
      model.setProjectionHook((layer, module, input, output) -> output);
      float[] before = logits(model);
      LoraAdapter adapter = LoraAdapter.create(model, SETTINGS, "base", 5);
      model.setProjectionHook(adapter);
      assertThat(logits(model)).containsExactly(before);
      float[] downA =
          adapter
              .parameters()
              .get("base_model.model.model.layers.0.mlp.down_proj.lora_A.weight")
              .toFloatArray();
      double bound =
          1 / Math.sqrt(48); // kaiming_uniform_(a=sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in))
      assertThat((double) maxAbs(downA)).isLessThanOrEqualTo(bound).isGreaterThan(0.8 * bound);
      assertThat(
              adapter
                  .parameters()
                  .get("base_model.model.model.layers.0.mlp.down_proj.lora_B.weight")
                  .toFloatArray())
          .containsOnly(0f);
      assertThat(
              LoraAdapter.create(model, SETTINGS, "base", 5)
                  .parameters()
                  .get("base_model.model.model.layers.0.mlp.down_proj.lora_A.weight")
                  .toFloatArray())
          .as("same seed, same init")
          .containsExactly(downA);
    }
  }

  @Test
  void theAdapterDirectoryIsPeftsFormatAndLoadsOntoItsBase(@TempDir Path dir) throws Exception {
    try (NDManager root = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(base(), root)) {
      LoraAdapter adapter =
          randomAdapter(
              model,
              new LoraSettings(
                  4,
                  16,
                  0.05,
                  List.of(
                      "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")),
              6);
      LoraAdapter pointed =
          new LoraAdapter(
              model.config(), adapter.settings(), base().toString(), adapter.parameters());
      AdapterDirectory.write(pointed, dir);
      JsonObject config =
          JsonParser.parseString(Files.readString(dir.resolve("adapter_config.json")))
              .getAsJsonObject();
      assertThat(config.get("peft_type").getAsString()).isEqualTo("LORA");
      assertThat(config.get("task_type").getAsString()).isEqualTo("CAUSAL_LM");
      assertThat(config.get("r").getAsInt()).isEqualTo(4);
      assertThat(config.get("lora_alpha").toString()).isEqualTo("16");
      assertThat(config.get("lora_dropout").getAsDouble()).isEqualTo(0.05);
      assertThat(config.get("bias").getAsString()).isEqualTo("none");
      assertThat(config.get("fan_in_fan_out").getAsBoolean()).isFalse();
      assertThat(config.get("inference_mode").getAsBoolean()).isTrue();
      assertThat(config.get("base_model_name_or_path").getAsString()).isEqualTo(base().toString());
      assertThat(
              config.getAsJsonArray("target_modules").asList().stream()
                  .map(e -> e.getAsString())
                  .toList())
          .containsExactly(
              "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
      try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"))) {
        assertThat(file.names()).hasSize(2 * 7 * 2);
        Map<String, long[]> expected =
            Map.of(
                "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                    new long[] {4, 32},
                "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
                    new long[] {32, 4},
                "base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight",
                    new long[] {16, 4},
                "base_model.model.model.layers.1.self_attn.o_proj.lora_A.weight",
                    new long[] {4, 32},
                "base_model.model.model.layers.0.mlp.gate_proj.lora_B.weight", new long[] {48, 4},
                "base_model.model.model.layers.1.mlp.down_proj.lora_A.weight", new long[] {4, 48},
                "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight", new long[] {32, 4});
        expected.forEach(
            (name, shape) -> {
              assertThat(file.info(name).shape()).as(name).containsExactly(shape);
              assertThat(file.info(name).dtype()).as(name).isEqualTo("F32");
            });
      }
      model.setProjectionHook(pointed);
      float[] adapted = logits(model);
      try (LlamaModel loaded = Checkpoint.load(dir, root)) {
        assertThat(loaded.projectionHook()).isInstanceOf(LoraAdapter.class);
        assertThat(((LoraAdapter) loaded.projectionHook()).settings())
            .isEqualTo(pointed.settings());
        assertThat(logits(loaded)).containsExactly(adapted);
      }
    }
  }

  @Test
  void theMergedModelComputesWhatBasePlusAdapterDid(@TempDir Path dir) throws Exception {
    try (NDManager root = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(base(), root)) {
      float[] plain = logits(model);
      LoraAdapter adapter = randomAdapter(model, SETTINGS, 8);
      model.setProjectionHook(adapter);
      float[] adapted = logits(model);
      assertThat(maxDifference(adapted, plain))
          .as("the adapter changes the output")
          .isGreaterThan(1e-2f);
      adapter.mergeInto(model);
      assertThat(model.projectionHook()).isNull();
      Checkpoint.save(model, dir, TensorDType.F32, null);
      try (LlamaModel merged = Checkpoint.load(dir, root)) {
        assertThat(merged.projectionHook()).isNull();
        assertThat(maxDifference(logits(merged), adapted)).isLessThan(1e-5f);
      }
    }
  }

  /**
   * An adapter over a base loaded in F16 stays F32 and computes in F32 (the hook casts the F16
   * input up and its output back): its log-probs are within the F16 tolerance of DecoderParityTest
   * (0.03) of the same adapter over the F32 base, while the adapter itself moves them by more.
   */
  @Test
  void anAdapterOverAnF16BaseScoresWithinTheF16ToleranceOfTheF32One(@TempDir Path dir)
      throws Exception {
    List<int[]> prompts = List.of(new int[] {1, 7, 9}, new int[] {2});
    List<int[]> completions = List.of(new int[] {30, 2, 5, 63, 11}, new int[] {40, 41, 3});
    try (NDManager root = NDManager.newBaseManager()) {
      float[] plain;
      try (LlamaModel model = Checkpoint.load(base(), root)) {
        plain = logProbs(model, prompts, completions);
        AdapterDirectory.write(
            new LoraAdapter(
                model.config(),
                SETTINGS,
                base().toString(),
                randomAdapter(model, SETTINGS, 4).parameters()),
            dir);
      }
      float[] f32, f16;
      try (LlamaModel model = Checkpoint.load(dir, root, TensorDType.F32)) {
        f32 = logProbs(model, prompts, completions);
      }
      try (LlamaModel half = Checkpoint.load(dir, root, TensorDType.F16)) {
        assertThat(half.weightType()).isEqualTo(DataType.FLOAT16);
        LoraAdapter adapter = (LoraAdapter) half.projectionHook();
        assertThat(adapter.parameters().values())
            .allSatisfy(p -> assertThat(p.getDataType()).isEqualTo(DataType.FLOAT32));
        f16 = logProbs(half, prompts, completions);
      }
      assertThat(maxDifference(f32, plain))
          .as("the adapter changes the log-probs")
          .isGreaterThan(0.1f);
      assertThat(maxDifference(f16, f32)).isLessThan(0.03f);
    }
  }

  private static float[] logProbs(LlamaModel model, List<int[]> prompts, List<int[]> completions) {
    List<CompletionScorer.Scored> scored = new CompletionScorer(model).score(prompts, completions);
    float[] all = new float[scored.stream().mapToInt(s -> s.tokenLogProbs().length).sum()];
    int i = 0;
    for (CompletionScorer.Scored s : scored) for (float v : s.tokenLogProbs()) all[i++] = v;
    return all;
  }

  @Test
  void unsupportedAdaptersAndMissingBasesAreRefusedWithTheFileNamed(@TempDir Path dir)
      throws Exception {
    try (NDManager root = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(base(), root)) {
      AdapterDirectory.write(
          randomAdapter(model, SETTINGS, 1), dir); // base pointer "base" does not exist
      assertThatThrownBy(() -> Checkpoint.load(dir, root))
          .hasMessageContaining("adapter_config.json")
          .hasMessageContaining("base_model_name_or_path 'base'");
      Path config = dir.resolve("adapter_config.json");
      Files.writeString(
          config,
          Files.readString(config).replace("\"fan_in_fan_out\": false", "\"use_dora\": true"));
      assertThatThrownBy(() -> Checkpoint.load(dir, root))
          .hasMessageContaining(config.toString())
          .hasMessageContaining("use_dora");
    }
  }

  static float[] logits(LlamaModel model) {
    try (NDManager scope = model.manager().newSubManager()) {
      return model
          .forward(
              scope.create(new long[] {1, 7, 9, 30, 2, 5, 63, 11}, new Shape(2, 4)),
              new int[] {0, 1})
          .toFloatArray();
    }
  }

  static float maxDifference(float[] x, float[] y) {
    float max = 0;
    for (int i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
    return max;
  }

  static float maxAbs(float[] x) {
    return maxDifference(x, new float[x.length]);
  }
}
