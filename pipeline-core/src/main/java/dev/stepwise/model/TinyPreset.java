package dev.stepwise.model;

import dev.stepwise.io.SafetensorsWriter;
import dev.stepwise.io.SafetensorsWriter.NamedTensor;
import dev.stepwise.io.TensorDType;
import dev.stepwise.sampling.Seeds;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The tiny built-in model: the Llama architecture at d=128, 4 layers, 4 heads sharing 2 KV heads,
 * small enough to train on two CPU cores in minutes (docs/design.md "The model").
 */
public final class TinyPreset {
  private TinyPreset() {}

  /** The tiny config; the vocabulary and special ids come from its tokenizer. */
  public static LlamaConfig config(int vocabSize, Integer bosTokenId, Integer eosTokenId) {
    return new LlamaConfig(
        "llama",
        vocabSize,
        128,
        384,
        4,
        4,
        2,
        32,
        1e-5,
        10000.0,
        1024,
        true,
        false,
        bosTokenId,
        eosTokenId,
        "float32");
  }

  /** {@link #writeRandomInit(LlamaConfig, long, Path, Path, TensorDType)} in F32. */
  public static void writeRandomInit(LlamaConfig config, long seed, Path dir, Path tokenizerDir)
      throws IOException {
    writeRandomInit(config, seed, dir, tokenizerDir, TensorDType.F32);
  }

  /**
   * Writes a freshly initialized model of {@code config} to {@code dir} as an HF directory in
   * {@code dtype}: weights normal(0, 0.02) and biases 0, as HF's init does; norms 1. Each tensor
   * draws from its own stream, seeded from (seed, its index in HF order), and is generated while it
   * is written (in HF's 5 GB shards past that size), so any size fits in memory. Same seed, same
   * bytes.
   */
  public static void writeRandomInit(
      LlamaConfig config, long seed, Path dir, Path tokenizerDir, TensorDType dtype)
      throws IOException {
    List<NamedTensor> tensors = new ArrayList<>();
    int index = 0;
    for (Map.Entry<String, long[]> e : LlamaModel.expectedShapes(config).entrySet()) {
      String name = e.getKey();
      SplittableRandom rng = new SplittableRandom(Seeds.mix(seed, index++));
      long[] next = {0};
      tensors.add(
          new NamedTensor(
              name,
              e.getValue(),
              (first, into) -> {
                // One stream a tensor: the writer asks for its blocks once each, in order.
                if (first != next[0])
                  throw new IllegalStateException(
                      "tensor '" + name + "': block at " + first + " asked for out of order");
                next[0] += into.length;
                if (name.endsWith("norm.weight")) {
                  Arrays.fill(into, 1f);
                } else if (name.endsWith(".bias")) {
                  Arrays.fill(into, 0f);
                } else {
                  for (int i = 0; i < into.length; i++)
                    into[i] = (float) (rng.nextGaussian() * 0.02);
                }
              }));
    }
    Checkpoint.saveTensors(config, tensors, dir, dtype, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
    if (tokenizerDir != null) Checkpoint.copyTokenizer(tokenizerDir, dir);
  }
}
