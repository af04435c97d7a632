package dev.stepwise.spark.cli;

import dev.stepwise.model.LlamaConfig;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.TinyPreset;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.tasks.TinyTokenizer;
import dev.stepwise.text.HfTokenizer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `stepwise model init`: a tokenizer and a seeded random-init model as one HF directory. */
@Command(name = "init", mixinStandardHelpOptions = true,
    description = {"Write a random-init model and its tokenizer as an HF directory.",
        "Files: config.json, model.safetensors, generation_config.json, tokenizer.json, tokenizer_config.json.",
        "Same seed, same bytes."})
public final class ModelInitCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--preset", defaultValue = "tiny", description = "Model preset; only 'tiny' (d=128, 4 layers, byte-level BPE).")
  String preset;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write (must not hold a model yet).")
  Path out;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the tokenizer corpus and the weights (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--vocab-size", defaultValue = "" + TinyTokenizer.DEFAULT_VOCAB_SIZE,
      description = "Upper bound of the BPE vocabulary, special tokens included (default ${DEFAULT-VALUE}).")
  int vocabSize;

  @Override
  public Integer call() throws Exception {
    if (!preset.equals("tiny")) throw new StepwiseException("--preset " + preset + " is unknown; the only preset is 'tiny'");
    if (vocabSize < 260) throw new StepwiseException("--vocab-size must be >= 260 (256 bytes + 4 special tokens), got " + vocabSize);
    if (Files.exists(out.resolve("config.json"))) {
      throw new StepwiseException(out + " already holds a model (config.json); choose a new --out directory");
    }
    LlamaConfig config = writeTiny(out, seed, vocabSize);
    long parameters = LlamaModel.expectedShapes(config).values().stream()
        .mapToLong(shape -> Arrays.stream(shape).reduce(1, Math::multiplyExact)).sum();
    PrintWriter w = spec.commandLine().getOut();
    w.printf("model init: wrote %s (preset %s, seed %d): %,d parameters, vocabulary %d, eos %d%n",
        out, preset, seed, parameters, config.vocabSize(), config.eosTokenId());
    w.flush();
    return 0;
  }

  /** The tiny preset's tokenizer and seeded init, written together into {@code out}. */
  static LlamaConfig writeTiny(Path out, long seed, int vocabSize) throws java.io.IOException {
    Files.createDirectories(out);
    TinyTokenizer.write(out, vocabSize, seed);
    LlamaConfig config;
    try (HfTokenizer tokenizer = HfTokenizer.load(out)) {
      config = TinyPreset.config(tokenizer.vocabSize(), null, tokenizer.specialTokens().eosId());
    }
    TinyPreset.writeRandomInit(config, seed, out, out);
    return config;
  }
}
