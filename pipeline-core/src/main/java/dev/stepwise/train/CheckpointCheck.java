package dev.stepwise.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.stepwise.io.SafetensorsFile;
import dev.stepwise.io.TensorDType;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.lora.AdapterDirectory;
import dev.stepwise.text.HfTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What makes an HF model directory usable: its tokenizer, its config, every tensor the config
 * implies with the right shape and readable to its last byte, and every weight finite. The model
 * commands check this when they open a model, and the pipeline before it publishes one into a run,
 * so a truncated or diverged checkpoint is refused where it enters, naming the file.
 */
public final class CheckpointCheck {

  private CheckpointCheck() {}

  /**
   * Loads {@code dir} and its tokenizer once, and throws an IOException naming what is wrong. A
   * PEFT adapter directory is checked on its own (config, weights finite, tokenizer when it has
   * one): its base may live elsewhere, and was checked when it was published.
   */
  public static void verify(Path dir) throws IOException {
    if (AdapterDirectory.isAdapter(dir)) {
      verifyAdapter(dir);
      return;
    }
    requireTokenizer(dir);
    try (NDManager manager = NDManager.newBaseManager();
        LlamaModel model = Checkpoint.load(dir, manager)) {
      requireFinite(dir, model);
    }
    loadTokenizer(dir);
  }

  private static void loadTokenizer(Path dir) throws IOException {
    try {
      HfTokenizer.load(dir).close();
    } catch (IllegalArgumentException | UncheckedIOException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  private static void verifyAdapter(Path dir) throws IOException {
    AdapterDirectory.readHeader(dir);
    try (NDManager manager = NDManager.newBaseManager();
        SafetensorsFile source = SafetensorsFile.open(dir.resolve(AdapterDirectory.WEIGHTS))) {
      Map<String, NDArray> weights = new LinkedHashMap<>();
      for (String name : source.names()) {
        weights.put(
            name,
            Checkpoint.read(source, name, source.info(name).shape(), TensorDType.F32, manager));
      }
      String bad = FiniteWeights.firstNonFinite(weights);
      if (bad != null)
        throw new IOException(dir + ": adapter tensor '" + bad + "' holds NaN or infinite values");
    }
    if (Files.isRegularFile(dir.resolve("tokenizer.json"))) loadTokenizer(dir);
  }

  public static void requireTokenizer(Path dir) throws IOException {
    if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
      throw new IOException(
          dir
              + ": no tokenizer.json; expected an HF model directory with its tokenizer (see `stepwise model init`)");
    }
  }

  public static void requireFinite(Path dir, LlamaModel model) throws IOException {
    String bad = FiniteWeights.firstNonFinite(model.parameters());
    if (bad != null) {
      throw new IOException(
          dir
              + ": tensor '"
              + bad
              + "' holds NaN or infinite values (written by a diverged training run?)");
    }
  }
}
