package dev.stepwise.spark.cli;

import dev.stepwise.io.TensorDType;
import dev.stepwise.model.LlamaConfig;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.QwenShapes;
import dev.stepwise.model.TinyPreset;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.tasks.TinyTokenizer;
import dev.stepwise.text.HfTokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `stepwise model init`: a tokenizer and a seeded random-init model as one HF directory. */
@Command(
    name = "init",
    mixinStandardHelpOptions = true,
    description = {
      "Write a random-init model and its tokenizer as an HF directory.",
      "Files: config.json, model.safetensors, generation_config.json, tokenizer.json, tokenizer_config.json.",
      "Same seed, same bytes. --shape qwen2.5-0.5b|qwen2.5-1.5b|qwen2.5-7b gives Qwen2.5's real shapes (config",
      "vocabulary 151,936 or 152,064) with the tiny byte-level BPE tokenizer, written tensor by tensor."
    })
public final class ModelInitCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = {"--shape", "--preset"},
      defaultValue = "tiny",
      description =
          "tiny (d=128, 4 layers) or a real shape: qwen2.5-0.5b, qwen2.5-1.5b, qwen2.5-7b (default ${DEFAULT-VALUE}).")
  String preset;

  @Option(
      names = "--dtype",
      description = "File dtype: f32 or bf16 (default: f32 for tiny, bf16 for the Qwen shapes).")
  String dtype;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Directory to write (must not hold a model yet).")
  Path out;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Seed of the tokenizer corpus and the weights (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--vocab-size",
      defaultValue = "" + TinyTokenizer.DEFAULT_VOCAB_SIZE,
      description =
          "Upper bound of the BPE vocabulary, special tokens included (default ${DEFAULT-VALUE}).")
  int vocabSize;

  @Override
  public Integer call() throws Exception {
    boolean tiny = preset.equals("tiny");
    if (!tiny && !QwenShapes.NAMES.contains(preset)) {
      throw new StepwiseException(
          "--shape " + preset + " is unknown; use tiny or one of " + QwenShapes.NAMES);
    }
    TensorDType fileDtype =
        dtype == null
            ? (tiny ? TensorDType.F32 : TensorDType.BF16)
            : switch (dtype.toLowerCase(Locale.ROOT)) {
              case "f32", "float32" -> TensorDType.F32;
              case "bf16", "bfloat16" -> TensorDType.BF16;
              default ->
                  throw new StepwiseException("--dtype " + dtype + " is unknown; use f32 or bf16");
            };
    if (vocabSize < 260)
      throw new StepwiseException(
          "--vocab-size must be >= 260 (256 bytes + 4 special tokens), got " + vocabSize);
    if (Files.exists(out.resolve("config.json"))) {
      throw new StepwiseException(
          out + " already holds a model (config.json); choose a new --out directory");
    }
    LlamaConfig config = write(out, preset, seed, vocabSize, fileDtype);
    long parameters =
        LlamaModel.expectedShapes(config).values().stream()
            .mapToLong(shape -> Arrays.stream(shape).reduce(1, Math::multiplyExact))
            .sum();
    PrintWriter w = spec.commandLine().getOut();
    w.printf(
        "model init: wrote %s (shape %s, %s, seed %d): %,d parameters, vocabulary %d, eos %d%n",
        out, preset, fileDtype, seed, parameters, config.vocabSize(), config.eosTokenId());
    w.flush();
    return 0;
  }

  /** The tiny preset's tokenizer and seeded init, written together into {@code out}. */
  static LlamaConfig writeTiny(Path out, long seed, int vocabSize) throws IOException {
    return write(out, "tiny", seed, vocabSize, TensorDType.F32);
  }

  /**
   * The tiny BPE tokenizer and a seeded init of {@code shape} (tiny: sized to the tokenizer's
   * vocabulary; a Qwen shape: its own, larger vocabulary) written together into {@code out}.
   */
  static LlamaConfig write(Path out, String shape, long seed, int vocabSize, TensorDType dtype)
      throws IOException {
    Files.createDirectories(out);
    TinyTokenizer.write(out, vocabSize, seed);
    LlamaConfig config;
    try (HfTokenizer tokenizer = HfTokenizer.load(out)) {
      int eos = tokenizer.specialTokens().eosId();
      config =
          shape.equals("tiny")
              ? TinyPreset.config(tokenizer.vocabSize(), null, eos)
              : QwenShapes.config(shape, eos);
    }
    TinyPreset.writeRandomInit(config, seed, out, out, dtype);
    return config;
  }
}
