package dev.stepwise.model;

import dev.stepwise.io.SafetensorsWriter;
import dev.stepwise.io.SafetensorsWriter.NamedTensor;
import dev.stepwise.io.TensorDType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The tiny built-in model: the Llama architecture at d=128, 4 layers, 4 heads sharing 2 KV heads,
 * small enough to train on two CPU cores in minutes (DESIGN.md "The model").
 */
public final class TinyPreset {
  private TinyPreset() {}

  /** The tiny config; the vocabulary and special ids come from its tokenizer. */
  public static LlamaConfig config(int vocabSize, Integer bosTokenId, Integer eosTokenId) {
    return new LlamaConfig("llama", vocabSize, 128, 384, 4, 4, 2, 32, 1e-5, 10000.0, 1024, true, false,
        bosTokenId, eosTokenId, "float32");
  }

  /**
   * Writes a freshly initialized model of {@code config} to {@code dir} as an HF directory (F32):
   * weights normal(0, 0.02) and biases 0, as HF's init does; norms 1. Same seed, same bytes.
   */
  public static void writeRandomInit(LlamaConfig config, long seed, Path dir, Path tokenizerDir) throws IOException {
    Random rng = new Random(seed);
    List<NamedTensor> tensors = new ArrayList<>();
    for (Map.Entry<String, long[]> e : LlamaModel.expectedShapes(config).entrySet()) {
      String name = e.getKey();
      long[] shape = e.getValue();
      float[] data = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact))];
      if (name.endsWith("norm.weight")) {
        Arrays.fill(data, 1f);
      } else if (!name.endsWith(".bias")) {
        for (int i = 0; i < data.length; i++) data[i] = (float) (rng.nextGaussian() * 0.02);
      }
      tensors.add(new NamedTensor(name, shape, data));
    }
    Checkpoint.saveTensors(config, tensors, dir, TensorDType.F32, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
    if (tokenizerDir != null) Checkpoint.copyTokenizer(tokenizerDir, dir);
  }
}
