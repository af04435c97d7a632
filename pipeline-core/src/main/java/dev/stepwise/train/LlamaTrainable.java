package dev.stepwise.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.stepwise.io.TensorDType;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.CheckpointedForward;
import dev.stepwise.model.CompletionScorer;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.ProjectionHook;
import dev.stepwise.model.lora.AdapterDirectory;
import dev.stepwise.model.lora.LoraAdapter;
import dev.stepwise.model.lora.LoraSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Llama/Qwen2 decoder as the trainer sees it: the weights it trains (all of them, or LoRA
 * adapters over frozen base weights), the scorer, and checkpoints (an HF model directory, or a PEFT
 * adapter directory for LoRA).
 */
public final class LlamaTrainable implements CausalLm, CheckpointStore {

  /**
   * Why training refuses F16 weights (the F16 forward casts between F16 and F32 at every layer).
   */
  public static final String F32_ONLY =
      "training needs float32 weights: DJL 0.36 casts dtypes without gradients (its JNI "
          + "runs toType under a NoGradGuard), so an F16 forward would train nothing; load the model in float32";

  /** The token embeddings; with tied embeddings also the output head. */
  static final String EMBEDDINGS = "model.embed_tokens.weight";

  private final LlamaModel model;
  private final CompletionScorer scorer;
  private final Path tokenizerDir;
  private final Map<String, NDArray> trained;

  /** The trained adapter, or null for full fine-tuning. */
  private final LoraAdapter adapter;

  private final boolean activationCheckpointing;

  /**
   * With activation checkpointing: this step's forward passes, whose backward is pending (one list
   * for the trainable and its micro-batch views).
   */
  private final List<CheckpointedForward> pendingBackward;

  /** What the layer projections go through: the adapter, or a micro-batch's dropout view of it. */
  private final ProjectionHook projections;

  /**
   * Full fine-tuning, or LoRA when {@code settings.lora()} is set: the adapter {@code model} was
   * loaded with (from an adapter directory) trains on, else a new one over {@code modelUri}, seeded
   * by {@code settings.seed()}. Full fine-tuning of a model loaded with an adapter first merges the
   * adapter into its weights.
   *
   * @param tokenizerDir where the tokenizer files to copy into every checkpoint live (or null)
   * @param modelUri where {@code model} was loaded from: a new adapter's pointer to its base
   */
  public LlamaTrainable(
      LlamaModel model, Path tokenizerDir, TrainSettings settings, String modelUri) {
    this(
        model,
        tokenizerDir,
        settings.freezeEmbeddings(),
        settings.lora(),
        modelUri,
        settings.seed(),
        settings.activationCheckpointing());
  }

  /** Full fine-tuning. */
  public LlamaTrainable(LlamaModel model, Path tokenizerDir, boolean freezeEmbeddings) {
    this(model, tokenizerDir, freezeEmbeddings, null, null, 0, false);
  }

  public LlamaTrainable(LlamaModel model, Path tokenizerDir) {
    this(model, tokenizerDir, false);
  }

  private LlamaTrainable(
      LlamaModel model,
      Path tokenizerDir,
      boolean freezeEmbeddings,
      LoraSettings lora,
      String modelUri,
      long seed,
      boolean activationCheckpointing) {
    // LoRA too: the adapters' gradients flow back through the base's F16-F32 casts.
    if (model.weightType() != DataType.FLOAT32) throw new IllegalArgumentException(F32_ONLY);
    this.model = model;
    this.scorer = new CompletionScorer(model);
    this.tokenizerDir = tokenizerDir;
    this.activationCheckpointing = activationCheckpointing;
    LoraAdapter loaded = model.projectionHook() instanceof LoraAdapter a ? a : null;
    if (lora == null) {
      if (loaded != null) loaded.mergeInto(model);
      this.adapter = null;
      Map<String, NDArray> trained = new LinkedHashMap<>(model.parameters());
      // Preference training on steps that differ in a number or two moves the rejected
      // numbers' embedding rows; with a tied head those rows are also how the model reads
      // numbers in the question.
      if (freezeEmbeddings) trained.remove(EMBEDDINGS);
      this.trained = Collections.unmodifiableMap(trained);
    } else {
      this.adapter =
          loaded == null
              ? LoraAdapter.create(model, lora, modelUri, seed)
              : continued(model, loaded, lora);
      model.setProjectionHook(adapter);
      this.trained = adapter.parameters();
    }
    this.projections = adapter;
    this.pendingBackward = new ArrayList<>();
    trained.values().forEach(p -> p.setRequiresGradient(true));
  }

  /** {@code of} with its projections through {@code projections}. */
  private LlamaTrainable(LlamaTrainable of, ProjectionHook projections) {
    this.model = of.model;
    this.scorer = of.scorer;
    this.tokenizerDir = of.tokenizerDir;
    this.trained = of.trained;
    this.adapter = of.adapter;
    this.activationCheckpointing = of.activationCheckpointing;
    this.pendingBackward = of.pendingBackward;
    this.projections = projections;
  }

  /** The loaded adapter, when r, lora_alpha and target_modules agree with the configured ones. */
  private static LoraAdapter continued(LlamaModel model, LoraAdapter loaded, LoraSettings wanted) {
    LoraSettings has = loaded.settings();
    if (has.r() != wanted.r()
        || has.alpha() != wanted.alpha()
        || !has.targetModules().equals(wanted.targetModules())) {
      throw new IllegalArgumentException(
          "the model to train is an adapter with r="
              + has.r()
              + ", lora_alpha="
              + has.alpha()
              + ", target_modules="
              + has.targetModules()
              + " but stepwise.train.lora asks for r="
              + wanted.r()
              + ", alpha="
              + wanted.alpha()
              + ", target_modules="
              + wanted.targetModules()
              + ": configure the same, or start from a merged model (`stepwise model merge`)");
    }
    return new LoraAdapter(model.config(), wanted, loaded.base(), loaded.parameters());
  }

  /** The weights the trainer updates. */
  @Override
  public Map<String, NDArray> parameters() {
    return trained;
  }

  /**
   * Through {@link #projections}: without dropout, except in the view of one training micro-batch
   * ({@link #at}).
   */
  @Override
  public NDArray completionTokenLogProbs(
      NDManager scope, List<int[]> prompts, List<int[]> completions) {
    if (!activationCheckpointing) {
      return scorer.tokenLogProbs(
          scope, prompts, completions, (ids, padding) -> model.hidden(ids, padding, projections));
    }
    return scorer.tokenLogProbs(
        scope,
        prompts,
        completions,
        (ids, padding) -> {
          CheckpointedForward forward = CheckpointedForward.run(model, ids, padding, projections);
          pendingBackward.add(forward);
          return forward.hidden();
        });
  }

  /** With LoRA dropout: a view whose passes drop with the micro-batch's masks. */
  @Override
  public CausalLm at(MicroBatch microBatch) {
    if (adapter == null || adapter.settings().dropout() == 0) return this;
    return new LlamaTrainable(
        this, adapter.training(microBatch.seed(), microBatch.step(), microBatch.index()));
  }

  @Override
  public void completeBackward(GradientCollector collector) {
    try {
      for (CheckpointedForward forward : pendingBackward) forward.backward(collector);
    } finally {
      pendingBackward.clear();
    }
  }

  @Override
  public void save(Path directory) throws IOException {
    if (adapter == null) {
      Checkpoint.save(model, directory, TensorDType.F32, tokenizerDir);
    } else {
      AdapterDirectory.write(adapter, directory);
      if (tokenizerDir != null) Checkpoint.copyTokenizer(tokenizerDir, directory);
    }
  }

  @Override
  public void restore(Path directory) throws IOException {
    try (NDManager loading = model.manager().newSubManager()) {
      if (adapter == null) {
        try (LlamaModel saved = Checkpoint.load(directory, loading)) {
          copy(saved.parameters(), model.parameters(), directory);
        }
      } else {
        copy(
            AdapterDirectory.readWeights(
                directory, LoraAdapter.shapes(model.config(), adapter.settings()), loading),
            adapter.parameters(),
            directory);
      }
    }
  }

  private static void copy(Map<String, NDArray> saved, Map<String, NDArray> into, Path directory)
      throws IOException {
    for (Map.Entry<String, NDArray> e : into.entrySet()) {
      NDArray source = saved.get(e.getKey());
      if (source == null)
        throw new IOException(directory + " has no tensor '" + e.getKey() + "' to resume from");
      LlamaModel.copyInto(e.getValue(), source);
    }
  }
}
