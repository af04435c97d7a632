package dev.stepwise.eval;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.stepwise.io.SafetensorsWriter;
import dev.stepwise.io.SafetensorsWriter.NamedTensor;
import dev.stepwise.io.TensorDType;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.CompletionScorer;
import dev.stepwise.model.LlamaConfig;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.train.LlamaTrainable;
import dev.stepwise.train.SftExample;
import dev.stepwise.train.SftObjective;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Peak RSS of loading a checkpoint in F32 and in F16 (run each in its own JVM: VmHWM is per
 * process). {@code make DIR} writes a random BF16 checkpoint at Qwen2.5-0.5B's shape (no
 * tokenizer); {@code load DIR float32|float16} loads it and prints RSS before, after and at peak;
 * {@code score DIR DTYPE BATCH} and {@code sft DIR DTYPE BATCH} then score BATCH random rows of 32
 * prompt + 96 completion tokens, or run one SFT forward and backward on them, and print the peak.
 */
public final class LoadMemory {
  private LoadMemory() {}

  /** Qwen2.5-0.5B's config.json: 494M parameters, tied embeddings. */
  static final LlamaConfig QWEN_05B =
      new LlamaConfig(
          "qwen2",
          151_936,
          896,
          4864,
          24,
          14,
          2,
          64,
          1e-6,
          1_000_000.0,
          32_768,
          true,
          false,
          null,
          151_643,
          "bfloat16");

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[1]);
    if (args[0].equals("make")) {
      List<NamedTensor> tensors = new ArrayList<>();
      for (Map.Entry<String, long[]> e : LlamaModel.expectedShapes(QWEN_05B).entrySet()) {
        boolean norm = LlamaModel.keepsF32(e.getKey());
        long seed = e.getKey().hashCode();
        tensors.add(
            new NamedTensor(
                e.getKey(),
                e.getValue(),
                (first, into) -> {
                  SplittableRandom rng = new SplittableRandom(seed ^ first);
                  for (int i = 0; i < into.length; i++)
                    into[i] = norm ? 1f : (float) (rng.nextDouble() - 0.5) * 0.04f;
                }));
      }
      SafetensorsWriter.writeModel(
          dir, tensors, TensorDType.BF16, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
      QWEN_05B.write(dir.resolve(Checkpoint.CONFIG));
      return;
    }
    TensorDType dtype = TensorDType.parse(args[2]);
    try (NDManager root = NDManager.newBaseManager()) {
      root.zeros(new Shape(1)).close(); // loads libtorch, so the baseline includes it
      long before = ModelBenchmark.procStatusKb("VmRSS");
      long start = System.nanoTime();
      try (LlamaModel model = Checkpoint.load(dir, root, dtype)) {
        System.out.printf(
            "load %s in %s: %.1f s; RSS before %d MB, after %d MB, peak (VmHWM) %d MB%n",
            dir,
            dtype,
            (System.nanoTime() - start) / 1e9,
            before / 1024,
            ModelBenchmark.procStatusKb("VmRSS") / 1024,
            ModelBenchmark.procStatusKb("VmHWM") / 1024);
        if (args[0].equals("load")) return;
        int batch = Integer.parseInt(args[3]);
        SplittableRandom rng = new SplittableRandom(1);
        List<SftExample> rows = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
          rows.add(
              new SftExample(
                  rng.ints(32, 0, QWEN_05B.vocabSize()).toArray(),
                  rng.ints(96, 0, QWEN_05B.vocabSize()).toArray()));
        }
        start = System.nanoTime();
        if (args[0].equals("score")) {
          new CompletionScorer(model)
              .score(
                  rows.stream().map(SftExample::promptIds).toList(),
                  rows.stream().map(SftExample::completionIds).toList());
        } else {
          LlamaTrainable trainable = new LlamaTrainable(model, null);
          try (NDManager scope = model.manager().newSubManager();
              GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(new SftObjective().compute(scope, trainable, rows).loss());
          }
        }
        System.out.printf(
            "%s of %d x (32 + 96) tokens: %.1f s; peak (VmHWM) %d MB%n",
            args[0],
            batch,
            (System.nanoTime() - start) / 1e9,
            ModelBenchmark.procStatusKb("VmHWM") / 1024);
      }
    }
  }
}
