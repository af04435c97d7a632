package dev.stepwise.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.stepwise.model.LlamaConfig;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.ProjectionHook;
import dev.stepwise.model.Scalars;
import dev.stepwise.sampling.Seeds;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * LoRA adapters on a decoder's layer projections, computing as PEFT's {@code lora.Linear} does:
 * {@code y = base(x) + (alpha / r) * lora_B(lora_A(dropout(x)))}, in F32 whatever the base's dtype.
 * As a {@link ProjectionHook} the adapter computes without dropout (inference, scoring, reference
 * log-probs); {@link #training} gives the hook of one training micro-batch, with its dropout masks.
 * The weights are named as in PEFT's {@code adapter_model.safetensors}, so the trainer, its
 * optimizer state and the checkpoints all use PEFT's names. Install with {@link
 * LlamaModel#setProjectionHook}.
 */
public final class LoraAdapter implements ProjectionHook {

  /** PEFT's names of the layer projections, in HF's order within a layer. */
  public static final List<String> MODULES =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  private final LoraSettings settings;
  private final String base;
  private final Map<String, NDArray> parameters;

  /** lora_A and lora_B by [layer][index in MODULES]; null where the module is not targeted. */
  private final NDArray[][] a;

  private final NDArray[][] b;

  /**
   * @param base the base model this adapter applies to (PEFT's base_model_name_or_path)
   * @param parameters every tensor of {@link #shapes}, by PEFT name
   */
  public LoraAdapter(
      LlamaConfig config, LoraSettings settings, String base, Map<String, NDArray> parameters) {
    this.settings = settings;
    this.base = base;
    Map<String, long[]> shapes = shapes(config, settings);
    Map<String, NDArray> ordered = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      NDArray p = parameters.get(e.getKey());
      if (p == null)
        throw new IllegalArgumentException("adapter has no tensor '" + e.getKey() + "'");
      if (!p.getShape().equals(new Shape(e.getValue()))) {
        throw new IllegalArgumentException(
            "adapter tensor '"
                + e.getKey()
                + "' has shape "
                + p.getShape()
                + ", expected "
                + new Shape(e.getValue()));
      }
      ordered.put(e.getKey(), p);
    }
    for (String name : parameters.keySet()) {
      if (!shapes.containsKey(name))
        throw new IllegalArgumentException(
            "unexpected adapter tensor '"
                + name
                + "' for target_modules "
                + settings.targetModules());
    }
    this.parameters = Collections.unmodifiableMap(ordered);
    this.a = new NDArray[config.numHiddenLayers()][MODULES.size()];
    this.b = new NDArray[config.numHiddenLayers()][MODULES.size()];
    for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
      for (String module : settings.targetModules()) {
        a[layer][MODULES.indexOf(module)] = ordered.get(peftName(layer, module, "lora_A"));
        b[layer][MODULES.indexOf(module)] = ordered.get(peftName(layer, module, "lora_B"));
      }
    }
  }

  /**
   * A new adapter on {@code model}'s projections, in its manager: lora_A drawn as PyTorch's {@code
   * kaiming_uniform_(a=sqrt(5))} (uniform in +-1/sqrt(in)), seeded by (seed, layer, module), and
   * lora_B zero, so the adapted model starts out equal to the base.
   */
  public static LoraAdapter create(
      LlamaModel model, LoraSettings settings, String base, long seed) {
    NDManager manager = model.manager();
    Map<String, NDArray> parameters = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : shapes(model.config(), settings).entrySet()) {
      long[] shape = e.getValue();
      float[] data = new float[Math.toIntExact(shape[0] * shape[1])];
      if (e.getKey().endsWith(".lora_A.weight")) {
        int layer = layerOf(e.getKey());
        String module = moduleOf(e.getKey());
        Random rng = Seeds.random(seed, layer, MODULES.indexOf(module));
        double bound = 1 / Math.sqrt(shape[1]);
        for (int i = 0; i < data.length; i++)
          data[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
      }
      parameters.put(e.getKey(), manager.create(data, new Shape(shape)));
    }
    return new LoraAdapter(model.config(), settings, base, parameters);
  }

  /**
   * Every adapter tensor of {@code config}'s model by PEFT name, layer by layer, with its shape.
   */
  public static Map<String, long[]> shapes(LlamaConfig config, LoraSettings settings) {
    Map<String, long[]> base = LlamaModel.expectedShapes(config);
    Map<String, long[]> shapes = new LinkedHashMap<>();
    for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
      for (String module : MODULES) {
        if (!settings.targetModules().contains(module)) continue;
        long[] weight = base.get(hfName(layer, module) + ".weight"); // [out, in]
        shapes.put(peftName(layer, module, "lora_A"), new long[] {settings.r(), weight[1]});
        shapes.put(peftName(layer, module, "lora_B"), new long[] {weight[0], settings.r()});
      }
    }
    return shapes;
  }

  /**
   * PEFT's tensor name, e.g. {@code
   * base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight}.
   */
  static String peftName(int layer, String module, String part) {
    return "base_model.model." + hfName(layer, module) + "." + part + ".weight";
  }

  /** HF's module path, e.g. {@code model.layers.0.mlp.up_proj}. */
  private static String hfName(int layer, String module) {
    return "model.layers."
        + layer
        + "."
        + (MODULES.indexOf(module) < 4 ? "self_attn." : "mlp.")
        + module;
  }

  private static int layerOf(String peftName) {
    return Integer.parseInt(peftName.split("\\.")[4]);
  }

  private static String moduleOf(String peftName) {
    return peftName.split("\\.")[6];
  }

  public LoraSettings settings() {
    return settings;
  }

  /** The base model this adapter applies to (PEFT's base_model_name_or_path). */
  public String base() {
    return base;
  }

  /** The adapter weights by PEFT name; the only weights a LoRA run trains. */
  public Map<String, NDArray> parameters() {
    return parameters;
  }

  @Override
  public NDArray project(int layer, String module, NDArray input, NDArray output) {
    return project(layer, module, input, output, null);
  }

  /**
   * The adapter as the forward passes of one training micro-batch see it: PEFT's inverted dropout
   * on each targeted projection's input, kept elements scaled by 1/(1 - p), with the mask of (seed,
   * step, micro-batch, layer, module) ({@link LoraDropout}); the adapter itself when dropout is 0.
   */
  public ProjectionHook training(long seed, long step, int microBatch) {
    if (settings.dropout() == 0) return this;
    return (layer, module, input, output) ->
        project(
            layer,
            module,
            input,
            output,
            LoraDropout.key(seed, step, microBatch, layer, MODULES.indexOf(module)));
  }

  /** With {@code dropoutKey} null: no dropout. */
  private NDArray project(
      int layer, String module, NDArray input, NDArray output, Long dropoutKey) {
    int m = MODULES.indexOf(module);
    NDArray loraA = a[layer][m];
    if (loraA == null) return output;
    NDArray x =
        input.getDataType() == DataType.FLOAT32 ? input : input.toType(DataType.FLOAT32, false);
    double scale = settings.scale();
    if (dropoutKey != null) {
      x = x.mul(LoraDropout.keepMask(x.getManager(), x.getShape(), settings.dropout(), dropoutKey));
      // B A (x * mask / (1-p)) = (1/(1-p)) B A (x * mask): the rescaling joins alpha/r's
      // multiply instead of costing a pass over the input.
      scale /= 1 - settings.dropout();
    }
    NDArray delta =
        Scalars.mul(
            Linear.linear(Linear.linear(x, loraA).singletonOrThrow(), b[layer][m])
                .singletonOrThrow(),
            scale);
    return output.add(
        delta.getDataType() == output.getDataType()
            ? delta
            : delta.toType(output.getDataType(), false));
  }

  /**
   * Folds the adapter into {@code model}'s weights, W' = W + (alpha/r) B A, and removes it from the
   * model: the merged model computes what base + adapter did, with no adapter.
   */
  public void mergeInto(LlamaModel model) {
    Map<String, NDArray> weights = model.parameters();
    for (int layer = 0; layer < a.length; layer++) {
      for (String module : settings.targetModules()) {
        int m = MODULES.indexOf(module);
        NDArray w = weights.get(hfName(layer, module) + ".weight");
        try (NDScope scope = new NDScope()) {
          NDArray delta = Scalars.mul(b[layer][m].matMul(a[layer][m]), settings.scale());
          w.addi(
              delta.getDataType() == w.getDataType()
                  ? delta
                  : delta.toType(w.getDataType(), false));
        }
      }
    }
    if (model.projectionHook() == this) model.setProjectionHook(null);
  }
}
