package dev.stepwise.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.stepwise.io.TensorDType;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.CompletionScorer;
import dev.stepwise.model.LlamaModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The Llama/Qwen2 decoder as the trainer sees it: weights, scorer, and HF checkpoints. */
public final class LlamaTrainable implements CausalLm, CheckpointStore {

  private final LlamaModel model;
  private final CompletionScorer scorer;
  private final Path tokenizerDir;

  /** @param tokenizerDir where the tokenizer files to copy into every checkpoint live (or null) */
  public LlamaTrainable(LlamaModel model, Path tokenizerDir) {
    this.model = model;
    this.scorer = new CompletionScorer(model);
    this.tokenizerDir = tokenizerDir;
    model.setTrainable(true);
  }

  @Override
  public Map<String, NDArray> parameters() {
    return model.parameters();
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
