package dev.stepwise.train;

import ai.djl.ndarray.NDManager;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.text.HfTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What makes an HF model directory usable: its tokenizer, its config, every tensor the config
 * implies with the right shape and readable to its last byte, and every weight finite. The
 * model commands check this when they open a model, and the pipeline before it publishes one
 * into a run, so a truncated or diverged checkpoint is refused where it enters, naming the file.
 */
public final class CheckpointCheck {

  private CheckpointCheck() {}

  /** Loads {@code dir} and its tokenizer once, and throws an IOException naming what is wrong. */
  public static void verify(Path dir) throws IOException {
    requireTokenizer(dir);
    try (NDManager manager = NDManager.newBaseManager(); LlamaModel model = Checkpoint.load(dir, manager)) {
      requireFinite(dir, model);
    }
    try {
      HfTokenizer.load(dir).close();
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  public static void requireTokenizer(Path dir) throws IOException {
    if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
      throw new IOException(dir + ": no tokenizer.json; expected an HF model directory with its tokenizer (see `stepwise model init`)");
    }
  }

  public static void requireFinite(Path dir, LlamaModel model) throws IOException {
    String bad = FiniteWeights.firstNonFinite(model.parameters());
    if (bad != null) {
      throw new IOException(dir + ": tensor '" + bad + "' holds NaN or infinite values (written by a diverged training run?)");
    }
  }
}
