package dev.stepwise.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.stepwise.io.TensorDType;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.CompletionScorer;
import dev.stepwise.model.LlamaModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The Llama/Qwen2 decoder as the trainer sees it: weights, scorer, and HF checkpoints. */
public final class LlamaTrainable implements CausalLm, CheckpointStore {

  /** Why training refuses F16 weights (the F16 forward casts between F16 and F32 at every layer). */
  public static final String F32_ONLY = "training needs float32 weights: DJL 0.36 casts dtypes without gradients (its JNI "
      + "runs toType under a NoGradGuard), so an F16 forward would train nothing; load the model in float32";

  /** The token embeddings; with tied embeddings also the output head. */
  static final String EMBEDDINGS = "model.embed_tokens.weight";

  private final LlamaModel model;
  private final CompletionScorer scorer;
  private final Path tokenizerDir;
  private final Map<String, NDArray> trained;

  /**
   * @param tokenizerDir where the tokenizer files to copy into every checkpoint live (or null)
   * @param freezeEmbeddings train every weight but the token embeddings. Preference training on
   *     steps that differ in a number or two moves the rejected numbers' embedding rows; with a
   *     tied head those rows are also how the model reads numbers in the question.
   */
  public LlamaTrainable(LlamaModel model, Path tokenizerDir, boolean freezeEmbeddings) {
    if (model.weightType() != DataType.FLOAT32) throw new IllegalArgumentException(F32_ONLY);
    this.model = model;
    this.scorer = new CompletionScorer(model);
    this.tokenizerDir = tokenizerDir;
    Map<String, NDArray> trained = new LinkedHashMap<>(model.parameters());
    if (freezeEmbeddings) trained.remove(EMBEDDINGS);
    this.trained = Collections.unmodifiableMap(trained);
    trained.values().forEach(p -> p.setRequiresGradient(true));
  }

  public LlamaTrainable(LlamaModel model, Path tokenizerDir) {
    this(model, tokenizerDir, false);
  }

  /** The weights the trainer updates. */
  @Override
  public Map<String, NDArray> parameters() {
    return trained;
  }

  @Override
  public NDArray completionTokenLogProbs(NDManager scope, List<int[]> prompts, List<int[]> completions) {
    return scorer.tokenLogProbs(scope, prompts, completions);
  }

  @Override
  public void save(Path directory) throws IOException {
    Checkpoint.save(model, directory, TensorDType.F32, tokenizerDir);
  }

  @Override
  public void restore(Path directory) throws IOException {
    try (NDManager loading = model.manager().newSubManager();
        LlamaModel saved = Checkpoint.load(directory, loading)) {
      for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
        NDArray source = saved.parameters().get(e.getKey());
        if (source == null) {
          throw new IOException(directory + " has no tensor '" + e.getKey() + "' to resume from");
        }
        e.getValue().set(source.toFloatArray());
      }
    }
  }
}
