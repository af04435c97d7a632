package dev.stepwise.spark.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.stepwise.eval.HeldOutEval;
import dev.stepwise.generate.Generator;
import dev.stepwise.io.TensorDType;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.lora.AdapterDirectory;
import dev.stepwise.spark.config.ModelConfig;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.HfTokenizer;
import dev.stepwise.train.CheckpointCheck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * An HF model directory (or a PEFT adapter directory, loaded onto its base) opened for the model
 * commands: weights (in stepwise.model.dtype; an adapter's stay F32) and its tokenizer, from {@code
 * tokenizerDir} (an adapter without tokenizer files uses its base's).
 */
record LoadedModel(
    Path dir, NDManager manager, LlamaModel model, HfTokenizer tokenizer, Path tokenizerDir)
    implements AutoCloseable {

  static LoadedModel open(Path dir, ModelConfig config) {
    return open(dir, config.computeDtype(Engine.getInstance().defaultDevice()));
  }

  /** {@code dir} with its weights in {@code dtype} on the engine's default device. */
  static LoadedModel open(Path dir, TensorDType dtype) {
    if (!Files.isDirectory(dir)) throw new StepwiseException("model directory not found: " + dir);
    Path tokenizerDir;
    try {
      tokenizerDir = AdapterDirectory.tokenizerDir(dir, AdapterDirectory.LOCAL);
    } catch (IOException e) {
      throw new StepwiseException(e.getMessage(), e);
    }
    NDManager manager = NDManager.newBaseManager();
    try {
      CheckpointCheck.requireTokenizer(tokenizerDir);
      LlamaModel model = Checkpoint.load(dir, manager, dtype);
      CheckpointCheck.requireFinite(dir, model);
      return new LoadedModel(dir, manager, model, HfTokenizer.load(tokenizerDir), tokenizerDir);
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
