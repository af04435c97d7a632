package dev.stepwise.spark.cli;

import ai.djl.ndarray.NDManager;
import dev.stepwise.eval.HeldOutEval;
import dev.stepwise.generate.Generator;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.HfTokenizer;
import dev.stepwise.train.CheckpointCheck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** An HF model directory opened for the model commands: weights (F32, CPU) and its tokenizer. */
record LoadedModel(Path dir, NDManager manager, LlamaModel model, HfTokenizer tokenizer) implements AutoCloseable {

  static LoadedModel open(Path dir) {
    if (!Files.isDirectory(dir)) throw new StepwiseException("model directory not found: " + dir);
    NDManager manager = NDManager.newBaseManager();
    try {
      CheckpointCheck.requireTokenizer(dir);
      LlamaModel model = Checkpoint.load(dir, manager);
      CheckpointCheck.requireFinite(dir, model);
      return new LoadedModel(dir, manager, model, HfTokenizer.load(dir));
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw new StepwiseException(e.getMessage(), e);
    }
  }

  /** A batched generator over this model, decoding with its tokenizer. */
  Generator generator(int maxBatch) {
    return new Generator(model, tokenizer::decode, null, maxBatch);
  }

  /** Greedy held-out grading of this model (reasoning and judge items), 32 prompts a batch. */
  HeldOutEval heldOutEval(int maxNewTokens) {
    return new HeldOutEval(generator(32), new ChatFormat(tokenizer), maxNewTokens);
  }

  /** Runs {@code work}, turning the input errors of pipeline-core into one-line CLI errors. */
  static <T> T userErrors(Callable<T> work) throws Exception {
    try {
      return work.call();
    } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
      throw new StepwiseException(e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    tokenizer.close();
    model.close();
    manager.close();
  }
}
