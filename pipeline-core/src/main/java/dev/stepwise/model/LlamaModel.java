package dev.stepwise.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Llama/Qwen2 decoder, one definition for training and inference, matching Hugging Face's
 * modeling code: RMSNorm, rotary embeddings (rotate-half), grouped-query attention, SwiGLU. The
 * weights are F32 or F16 (the compute dtype: projections, attention products, the MLP and the KV
 * cache run in it); the residual stream, the norms (and their weights), rotary embeddings, the
 * attention softmax and the logits are F32 either way, since Qwen-family activations overflow F16
 * in the residual stream. In F32 every cast below is a no-op. Parameters are plain NDArrays named
 * exactly as in an HF checkpoint; every forward result lands in the manager of the input ids, so a
 * caller's scope owns all temporaries.
 *
 * <p>Each layer keeps q/k/v and gate/up in one matrix each, the named weights being row views of
 * it: a frozen model runs one matrix product for q, k and v and one for gate and up instead of five
 * (at batch 1 each product is a pass over its weights plus a fork and join of the torch threads, so
 * fewer, larger ones decode faster). A model being trained (weights with gradients) or run with a
 * projection hook runs the named weights one by one, so gradients and LoRA see them as in HF.
 * Writing a weight must therefore keep its storage ({@link #copyInto}), never replace it.
 *
 * <p>A forward pass without gradients, hooks or adapters (decoding, scoring, judging) runs the same
 * operations as one TorchScript call ({@link ScriptedForward}), not as ~50 engine calls a layer.
 */
public final class LlamaModel implements AutoCloseable {

  /** Added to attention scores of masked keys; exp() of it underflows to exactly 0 in F32. */
  private static final float MASKED = -1e30f;

  private final LlamaConfig config;
  private final NDManager manager;
  private final Map<String, NDArray> parameters;
  private final List<Layer> layers = new ArrayList<>();
  private final NDArray embedTokens;
  private final NDArray finalNorm;
  private final NDArray lmHead;

  /** The dtype of the weights other than the norms (F32 or F16). */
  private final DataType weightType;

  /** 1 / theta^(2i/d), computed in F32 exactly as HF's LlamaRotaryEmbedding does. */
  private final NDArray inverseFrequencies;

  /** [headDim, headDim], F32: x times it is HF's rotate_half(x) = [-x2, x1]. */
  private final NDArray rotateHalf;

  /** The inference forward as one engine call; see {@link #setScripted}. */
  private final ScriptedForward scriptedForward;

  private volatile boolean scripted = true;

  /** LoRA adapters or null; see {@link #setProjectionHook}. */
  private volatile ProjectionHook projectionHook;

  private record Layer(
      NDArray inputNorm,
      NDArray q,
      NDArray qBias,
      NDArray k,
      NDArray kBias,
      NDArray v,
      NDArray vBias,
      NDArray o,
      NDArray oBias,
      NDArray postAttentionNorm,
      NDArray gate,
      NDArray up,
      NDArray down,
      NDArray qkv,
      NDArray qkvBias,
      NDArray gateUp) {}

  /**
   * @param manager owns the parameters (closing the model closes it)
   * @param parameters HF-named weights; see {@link #expectedShapes(LlamaConfig)}
   */
  public LlamaModel(LlamaConfig config, NDManager manager, Map<String, NDArray> parameters) {
    this.config = config;
    this.manager = manager;
    Map<String, long[]> expected = expectedShapes(config);
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      NDArray p = parameters.get(e.getKey());
      if (p == null)
        throw new IllegalArgumentException(
            "missing parameter '" + e.getKey() + "' (shape " + Arrays.toString(e.getValue()) + ")");
      if (!p.getShape().equals(new Shape(e.getValue()))) {
        throw new IllegalArgumentException(
            "parameter '"
                + e.getKey()
                + "' has shape "
                + p.getShape()
                + ", expected "
                + new Shape(e.getValue()));
      }
    }
    this.weightType = parameters.get("model.embed_tokens.weight").getDataType();
    if (weightType != DataType.FLOAT32 && weightType != DataType.FLOAT16) {
      throw new IllegalArgumentException("weights must be FLOAT32 or FLOAT16, got " + weightType);
    }
    for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
      DataType want = keepsF32(e.getKey()) ? DataType.FLOAT32 : weightType;
      if (e.getValue().getDataType() != want) {
        throw new IllegalArgumentException(
            "parameter '"
                + e.getKey()
                + "' is "
                + e.getValue().getDataType()
                + ", expected "
                + want);
      }
    }
    for (String name : parameters.keySet()) {
      if (!expected.containsKey(name))
        throw new IllegalArgumentException(
            "unexpected parameter '" + name + "' for " + config.modelType());
    }
    Map<String, NDArray> ordered = new LinkedHashMap<>();
    expected.keySet().forEach(name -> ordered.put(name, parameters.get(name)));
    List<NDArray[]> fused = new ArrayList<>();
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      String p = "model.layers." + i + ".";
      fused.add(
          new NDArray[] {
            fuseRows(ordered, p + "self_attn.", "_proj.weight", "q", "k", "v"),
            config.qkvBias()
                ? fuseRows(ordered, p + "self_attn.", "_proj.bias", "q", "k", "v")
                : null,
            fuseRows(ordered, p + "mlp.", "_proj.weight", "gate", "up")
          });
    }
    this.parameters = Collections.unmodifiableMap(ordered);
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      String p = "model.layers." + i + ".";
      layers.add(
          new Layer(
              ordered.get(p + "input_layernorm.weight"),
              ordered.get(p + "self_attn.q_proj.weight"),
              ordered.get(p + "self_attn.q_proj.bias"),
              ordered.get(p + "self_attn.k_proj.weight"),
              ordered.get(p + "self_attn.k_proj.bias"),
              ordered.get(p + "self_attn.v_proj.weight"),
              ordered.get(p + "self_attn.v_proj.bias"),
              ordered.get(p + "self_attn.o_proj.weight"),
              ordered.get(p + "self_attn.o_proj.bias"),
              ordered.get(p + "post_attention_layernorm.weight"),
              ordered.get(p + "mlp.gate_proj.weight"),
              ordered.get(p + "mlp.up_proj.weight"),
              ordered.get(p + "mlp.down_proj.weight"),
              fused.get(i)[0],
              fused.get(i)[1],
              fused.get(i)[2]));
    }
    this.embedTokens = ordered.get("model.embed_tokens.weight");
    this.finalNorm = ordered.get("model.norm.weight");
    this.lmHead = config.tieWordEmbeddings() ? embedTokens : ordered.get("lm_head.weight");
    NDArray exponents =
        manager
            .arange(0, config.headDim(), 2, DataType.INT64)
            .toType(DataType.FLOAT32, false)
            .div(config.headDim());
    this.inverseFrequencies =
        manager
            .ones(exponents.getShape())
            .div(manager.full(exponents.getShape(), (float) config.ropeTheta()).pow(exponents));
    this.rotateHalf = rotateHalfMatrix(manager, config.headDim());
    this.scriptedForward = new ScriptedForward(manager, config, scriptWeights(), rotateHalf);
  }

  /** The weights in the order {@link ScriptedForward} reads them. */
  private List<NDArray> scriptWeights() {
    List<NDArray> weights = new ArrayList<>();
    weights.add(embedTokens);
    for (Layer layer : layers) {
      weights.add(layer.inputNorm);
      weights.add(layer.qkv);
      if (layer.qkvBias != null) weights.add(layer.qkvBias);
      weights.add(layer.o);
      if (layer.oBias != null) weights.add(layer.oBias);
      weights.addAll(List.of(layer.postAttentionNorm, layer.gateUp, layer.down));
    }
    weights.add(finalNorm);
    return weights;
  }

  /** R with x R = [-x2, x1] for x = [x1, x2] (halves of a head). */
  private static NDArray rotateHalfMatrix(NDManager manager, int headDim) {
    int half = headDim / 2;
    float[] r = new float[headDim * headDim];
    for (int j = 0; j < half; j++) {
      r[(j + half) * headDim + j] = -1; // output j takes -x2[j]
      r[j * headDim + j + half] = 1; // output half + j takes x1[j]
    }
    return manager.create(r, new Shape(headDim, headDim));
  }

  /**
   * Concatenates the named weights {@code prefix + part + suffix} along their rows into one array
   * and puts row views of it in their place in {@code weights} (the originals are freed).
   */
  private static NDArray fuseRows(
      Map<String, NDArray> weights, String prefix, String suffix, String... parts) {
    NDList originals = new NDList();
    for (String part : parts) originals.add(weights.get(prefix + part + suffix));
    NDArray fused = NDArrays.concat(originals, 0);
    NDScope.unregister(fused); // the weights outlive any scope the model is loaded in
    long row = 0;
    for (int i = 0; i < parts.length; i++) {
      long rows = originals.get(i).getShape().get(0);
      NDArray view = fused.get(new NDIndex("{}:{}", row, row + rows));
      NDScope.unregister(view);
      view.setName(prefix + parts[i] + suffix);
      weights.put(view.getName(), view);
      row += rows;
    }
    originals.close();
    return fused;
  }

  /**
   * Overwrites a weight of this model with {@code values}, an array of its shape, in place (its
   * storage is kept, so the fused matrices of which the named weights are views see the new
   * values).
   */
  public static void copyInto(NDArray weight, NDArray values) {
    if (!values.getShape().equals(weight.getShape()))
      throw new IllegalArgumentException(
          "cannot write "
              + values.getShape()
              + " into '"
              + weight.getName()
              + "' of shape "
              + weight.getShape());
    weight.set(new NDIndex(":"), values.toType(weight.getDataType(), false));
  }

  /** Every parameter name of {@code config}'s model, in HF order, with its shape. */
  public static Map<String, long[]> expectedShapes(LlamaConfig c) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    long d = c.hiddenSize(),
        q = (long) c.numAttentionHeads() * c.headDim(),
        kv = (long) c.numKeyValueHeads() * c.headDim();
    shapes.put("model.embed_tokens.weight", new long[] {c.vocabSize(), d});
    for (int i = 0; i < c.numHiddenLayers(); i++) {
      String p = "model.layers." + i + ".";
      shapes.put(p + "input_layernorm.weight", new long[] {d});
      shapes.put(p + "self_attn.q_proj.weight", new long[] {q, d});
      shapes.put(p + "self_attn.k_proj.weight", new long[] {kv, d});
      shapes.put(p + "self_attn.v_proj.weight", new long[] {kv, d});
      shapes.put(p + "self_attn.o_proj.weight", new long[] {d, q});
      if (c.qkvBias()) {
        shapes.put(p + "self_attn.q_proj.bias", new long[] {q});
        shapes.put(p + "self_attn.k_proj.bias", new long[] {kv});
        shapes.put(p + "self_attn.v_proj.bias", new long[] {kv});
      }
      if (c.oBias()) shapes.put(p + "self_attn.o_proj.bias", new long[] {d});
      shapes.put(p + "post_attention_layernorm.weight", new long[] {d});
      shapes.put(p + "mlp.gate_proj.weight", new long[] {c.intermediateSize(), d});
      shapes.put(p + "mlp.up_proj.weight", new long[] {c.intermediateSize(), d});
      shapes.put(p + "mlp.down_proj.weight", new long[] {d, c.intermediateSize()});
    }
    shapes.put("model.norm.weight", new long[] {d});
    if (!c.tieWordEmbeddings()) shapes.put("lm_head.weight", new long[] {c.vocabSize(), d});
    return shapes;
  }

  /** Norm weights stay F32 whatever the compute dtype (they scale the F32 residual stream). */
  public static boolean keepsF32(String parameterName) {
    return parameterName.endsWith("norm.weight");
  }

  /** The dtype of the weights, the compute dtype (FLOAT32 or FLOAT16). */
  public DataType weightType() {
    return weightType;
  }

  public LlamaConfig config() {
    return config;
  }

  public NDManager manager() {
    return manager;
  }

  /** The trainable parameters by HF name (a tied head appears once, as the embedding). */
  public Map<String, NDArray> parameters() {
    return parameters;
  }

  /**
   * The weight matrices one decoding step of this model (frozen, no projection hook) multiplies by,
   * in order: per layer the fused q/k/v, o, the fused gate/up and down; then the output layer.
   */
  public List<NDArray> decodingProducts() {
    List<NDArray> products = new ArrayList<>();
    for (Layer layer : layers)
      products.addAll(List.of(layer.qkv, layer.o, layer.gateUp, layer.down));
    products.add(lmHead);
    return products;
  }

  /** Attaches (or drops) gradients on every parameter, for training inside a GradientCollector. */
  public void setTrainable(boolean trainable) {
    parameters.values().forEach(p -> p.setRequiresGradient(trainable));
  }

  /**
   * Whether a forward pass without gradients, hooks or adapters runs as one TorchScript call
   * ({@link ScriptedForward}, the default) or as this class's engine calls, layer by layer (for
   * comparisons: the results are the same).
   */
  public void setScripted(boolean on) {
    this.scripted = on;
  }

  /** Forward passes run as one TorchScript call so far. */
  long scriptedCalls() {
    return scriptedForward.calls();
  }

  /** The hook every layer projection goes through (null: plain {@code x W^T + b}). */
  public ProjectionHook projectionHook() {
    return projectionHook;
  }

  /** Sets (or with null removes) the hook through which every layer projection goes. */
  public void setProjectionHook(ProjectionHook hook) {
    this.projectionHook = hook;
  }

  /** Logits [batch, time, vocab] for left-padded ids; see {@link #hidden}. */
  public NDArray forward(NDArray inputIds, int[] padding) {
    return logits(hidden(inputIds, padding, null, null));
  }

  /**
   * The final-norm hidden states [batch, time, hidden] of left-padded token ids [batch, time]
   * (INT64). Row b starts with {@code padding[b]} pad tokens, ignored by attention; its real tokens
   * get positions 0, 1, ... With a {@code cache}, the ids continue the cached sequence (the cache's
   * padding is set on its first use) and the cache is extended. {@code hook} may be null.
   */
  public NDArray hidden(NDArray inputIds, int[] padding, KvCache cache, MlpHook hook) {
    return hidden(inputIds, padding, cache, hook, projectionHook);
  }

  /**
   * As {@link #hidden(NDArray, int[], KvCache, MlpHook)} without a cache or MLP hook, every layer
   * projection going through {@code projections} (null: none) instead of the model's hook: a
   * training micro-batch's adapter with its dropout masks.
   */
  public NDArray hidden(NDArray inputIds, int[] padding, ProjectionHook projections) {
    return hidden(inputIds, padding, null, null, projections);
  }

  private NDArray hidden(
      NDArray inputIds, int[] padding, KvCache cache, MlpHook hook, ProjectionHook projections) {
    int batch = (int) inputIds.getShape().get(0);
    int time = (int) inputIds.getShape().get(1);
    if (padding.length != batch)
      throw new IllegalArgumentException(
          "padding has " + padding.length + " rows, input ids " + batch);
    int start = 0;
    if (cache != null) {
      if (cache.length() == 0) cache.setPadding(padding);
      else if (!Arrays.equals(cache.padding(), padding))
        throw new IllegalArgumentException("padding differs from the cache's");
      start = cache.length();
    }
    NDManager scope = inputIds.getManager();
    NDArray[] rope = rotaryCosSin(scope, padding, start, time);
    NDArray mask = attentionMask(scope, padding, start, time);

    if (scripted && hook == null && fused(layers.get(0), projections) && !embeddingsTrain()) {
      NDArray[][] arrays = cache == null ? null : cache.arraysFor(time, weightType);
      NDArray out = scriptedForward.hidden(inputIds, rope, mask, arrays, start);
      if (cache != null) cache.advance(time);
      return out;
    }
    NDArray x = embed(inputIds);
    for (int i = 0; i < layers.size(); i++) {
      // A layer's temporaries are freed when it ends, not with the caller's scope: kept, they
      // would add up to several GB at a real model's size (a 0.5B prefill of 16 x 104 tokens held
      // ~7 GB of them), in decoding and scoring alike. Under a GradientCollector autograd
      // still holds what the backward pass needs; only the layer's output is kept here.
      try (NDScope layerScope = new NDScope()) {
        x = layer(i, x, rope, mask, cache, hook, projections);
        NDScope.unregister(x);
      }
    }
    if (cache != null) cache.advance(time);
    return finalNorm(x);
  }

  /** The residual stream's input: the token embeddings of {@code inputIds}, in F32. */
  NDArray embed(NDArray inputIds) {
    return f32(Embedding.embedding(inputIds, embedTokens, SparseFormat.DENSE).singletonOrThrow());
  }

  /**
   * Decoder layer {@code i}: the residual stream after its attention and MLP blocks, every
   * projection through {@code projections} (null: none).
   */
  NDArray layer(
      int i,
      NDArray x,
      NDArray[] rope,
      NDArray mask,
      KvCache cache,
      MlpHook hook,
      ProjectionHook projections) {
    Layer layer = layers.get(i);
    x = x.add(attention(i, layer, rmsNorm(x, layer.inputNorm), rope, mask, cache, projections));
    return x.add(mlp(i, layer, rmsNorm(x, layer.postAttentionNorm), hook, projections));
  }

  /** The final RMSNorm, which the head reads. */
  NDArray finalNorm(NDArray x) {
    return rmsNorm(x, finalNorm);
  }

  int numLayers() {
    return layers.size();
  }

  /** Whether training updates the token embeddings (and so needs their gradient). */
  boolean embeddingsTrain() {
    return embedTokens.hasGradient();
  }

  /** Next-token logits [..., vocab] from hidden states [..., hidden]. */
  public NDArray logits(NDArray hidden) {
    NDArray raw = Linear.linear(weightTyped(hidden), lmHead).singletonOrThrow();
    NDArray logits = f32(raw);
    if (logits != raw)
      raw.close(); // F16 logits: vocabulary-sized, so freed now rather than with the caller's scope
    return logits;
  }

  private NDArray rmsNorm(NDArray x, NDArray weight) {
    NDArray rms = x.square().mean(new int[] {-1}, true).add(config.rmsNormEps()).sqrt();
    return x.div(rms).mul(weight);
  }

  private NDArray attention(
      int index,
      Layer layer,
      NDArray normed,
      NDArray[] rope,
      NDArray mask,
      KvCache cache,
      ProjectionHook projections) {
    NDArray h = weightTyped(normed);
    long batch = h.getShape().get(0), time = h.getShape().get(1);
    int heads = config.numAttentionHeads(),
        kvHeads = config.numKeyValueHeads(),
        headDim = config.headDim();
    // q, k and v side by side, [batch, time, (heads + 2 kvHeads) * headDim], then as heads.
    NDArray qkv =
        fused(layer, projections)
            ? project(h, layer.qkv, layer.qkvBias)
            : NDArrays.concat(
                new NDList(
                    linear(projections, index, "q_proj", h, layer.q, layer.qBias),
                    linear(projections, index, "k_proj", h, layer.k, layer.kBias),
                    linear(projections, index, "v_proj", h, layer.v, layer.vBias)),
                -1);
    NDArray byHead = qkv.reshape(batch, time, heads + 2L * kvHeads, headDim).transpose(0, 2, 1, 3);
    // Queries and keys take their rotary embeddings together.
    NDArray rotated =
        weightTyped(applyRotary(f32(byHead.get(new NDIndex(":, :{}", heads + kvHeads))), rope));
    NDArray q = rotated.get(new NDIndex(":, :{}", heads));
    NDArray k = rotated.get(new NDIndex(":, {}:", heads));
    NDArray v = byHead.get(new NDIndex(":, {}:", heads + kvHeads));
    if (cache != null) {
      NDArray[] all = cache.append(index, k, v, h.getManager());
      k = all[0];
      v = all[1];
    }
    long keysLength = k.getShape().get(2);
    // Grouped-query attention without copying K/V: the query heads sharing one KV head are
    // stacked along the time axis of that head, [batch, kvHeads, group*time, headDim].
    NDArray grouped = q.reshape(batch, kvHeads, config.groupSize() * time, headDim);
    NDArray scores =
        Scalars.mul(f32(grouped.matMul(k.transpose(0, 1, 3, 2))), 1.0 / Math.sqrt(headDim))
            .reshape(batch, heads, time, keysLength);
    if (mask != null) scores = scores.add(mask);
    NDArray probs =
        weightTyped(scores.softmax(-1))
            .reshape(batch, kvHeads, config.groupSize() * time, keysLength);
    NDArray out =
        probs
            .matMul(v)
            .reshape(batch, heads, time, headDim)
            .transpose(0, 2, 1, 3)
            .reshape(batch, time, (long) heads * headDim);
    return f32(linear(projections, index, "o_proj", out, layer.o, layer.oBias));
  }

  private NDArray mlp(
      int index, Layer layer, NDArray normed, MlpHook hook, ProjectionHook projections) {
    NDArray h = weightTyped(normed);
    NDArray gate, up;
    if (fused(layer, projections)) {
      NDArray both = project(h, layer.gateUp, null);
      NDList gateUp = both.split(new long[] {layer.gate.getShape().get(0)}, lastAxis(both));
      gate = gateUp.get(0);
      up = gateUp.get(1);
    } else {
      gate = linear(projections, index, "gate_proj", h, layer.gate, null);
      up = linear(projections, index, "up_proj", h, layer.up, null);
    }
    NDArray activation = gate.mul(Activation.sigmoid(gate)); // SiLU
    if (hook != null) {
      hook.observeGate(index, f32(gate));
      int[] zeroed = hook.zeroedNeurons(index);
      if (zeroed != null && zeroed.length > 0)
        activation = activation.mul(keepMask(h.getManager(), zeroed));
    }
    return f32(linear(projections, index, "down_proj", activation.mul(up), layer.down, null));
  }

  private NDArray keepMask(NDManager scope, int[] zeroed) {
    float[] keep = new float[config.intermediateSize()];
    Arrays.fill(keep, 1f);
    for (int j : zeroed) {
      if (j < 0 || j >= keep.length)
        throw new IllegalArgumentException("neuron " + j + " is outside 0.." + (keep.length - 1));
      keep[j] = 0f;
    }
    return weightTyped(scope.create(keep));
  }

  /**
   * Whether {@code layer}'s fused matrices can stand for its named weights: no projection hook sees
   * the projections one by one and no gradient is wanted for them.
   */
  private boolean fused(Layer layer, ProjectionHook projections) {
    return projections == null && !layer.q.hasGradient() && !layer.gate.hasGradient();
  }

  private static int lastAxis(NDArray x) {
    return x.getShape().dimension() - 1;
  }

  /** {@code x} in the weights' dtype (x itself when it already is). */
  private NDArray weightTyped(NDArray x) {
    return x.toType(weightType, false);
  }

  /** {@code x} in F32 (x itself when it already is). */
  private static NDArray f32(NDArray x) {
    return x.toType(DataType.FLOAT32, false);
  }

  /**
   * Projection {@code module} (PEFT's name) of {@code layer}, through {@code hook} when not null.
   */
  private static NDArray linear(
      ProjectionHook hook, int layer, String module, NDArray x, NDArray weight, NDArray bias) {
    NDArray y = project(x, weight, bias);
    return hook == null ? y : hook.project(layer, module, x, y);
  }

  /** {@code x W^T + b} ({@code bias} may be null). */
  private static NDArray project(NDArray x, NDArray weight, NDArray bias) {
    return (bias == null ? Linear.linear(x, weight) : Linear.linear(x, weight, bias))
        .singletonOrThrow();
  }

  /**
   * HF's apply_rotary_pos_emb: x·cos + rotate_half(x)·sin, rotate_half(x) = [-x2, x1] taken as a
   * product with a signed permutation matrix (exact: one term of ±1 per output, the rest zeros).
   */
  private NDArray applyRotary(NDArray x, NDArray[] cosSin) {
    return x.mul(cosSin[0]).add(x.matMul(rotateHalf).mul(cosSin[1]));
  }

  /** cos and sin [batch, 1, time, headDim] of each token's own position (padding excluded). */
  NDArray[] rotaryCosSin(NDManager scope, int[] padding, int start, int time) {
    float[] positions = new float[padding.length * time];
    for (int b = 0; b < padding.length; b++) {
      for (int t = 0; t < time; t++) positions[b * time + t] = Math.max(0, start + t - padding[b]);
    }
    NDArray angles =
        scope.create(positions, new Shape(padding.length, time, 1)).mul(inverseFrequencies);
    NDArray full = NDArrays.concat(new NDList(angles, angles), -1).expandDims(1);
    return new NDArray[] {full.cos(), full.sin()};
  }

  /**
   * Additive mask [batch, 1, time, keys]: query t (absolute position start+t) sees key s when s is
   * not padding and s <= start+t. Padding queries see nothing; their outputs are never used. Null
   * when no query has a key to mask (a decode step of rows without padding).
   */
  static NDArray attentionMask(NDManager scope, int[] padding, int start, int time) {
    int keys = start + time;
    float[] mask = new float[padding.length * time * keys];
    boolean any = false;
    for (int b = 0; b < padding.length; b++) {
      for (int t = 0; t < time; t++) {
        int row = (b * time + t) * keys;
        for (int s = 0; s < keys; s++) {
          if (s < padding[b] || s > start + t) {
            mask[row + s] = MASKED;
            any = true;
          }
        }
      }
    }
    return any ? scope.create(mask, new Shape(padding.length, 1, time, keys)) : null;
  }

  @Override
  public void close() {
    scriptedForward.close();
    manager.close();
  }
}
