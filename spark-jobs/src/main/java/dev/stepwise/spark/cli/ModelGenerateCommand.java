package dev.stepwise.spark.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.stepwise.generate.Generation;
import dev.stepwise.generate.GenerationRequest;
import dev.stepwise.io.JsonlRows;
import dev.stepwise.sampling.Edt;
import dev.stepwise.sampling.FixedSampler;
import dev.stepwise.sampling.SamplingStrategy;
import dev.stepwise.sampling.Seeds;
import dev.stepwise.spark.config.ModelConfig;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.text.ChatFormat;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * `stepwise model generate`: batched sampling from a checkpoint. Row i draws from its own Random
 * seeded with (seed, row id or index), so its output does not depend on batching.
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = {
      "Generate completions (batched; a row's sample does not depend on batching).",
      "One JSON object per prompt: text, tokens, per-token logprobs, finish_reason, and for EDT the per-token temperatures and entropies. Input rows: {\"prompt\": text} or {\"prompt_ids\": [...]},",
      "optional \"id\" (seeds the row instead of its index)."
    })
public final class ModelGenerateCommand implements Callable<Integer> {
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  @Spec CommandSpec spec;

  @Mixin CommonOptions common;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description = "HF model directory with its tokenizer.")
  Path model;

  static final class Prompts {
    @Option(names = "--prompt", paramLabel = "TEXT", description = "One prompt.")
    String prompt;

    @Option(
        names = "--input",
        paramLabel = "FILE.jsonl",
        description = "Prompts, one JSON object a line.")
    Path input;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Prompts prompts;

  @Option(
      names = "--output",
      paramLabel = "FILE.jsonl",
      description = "Write rows here (default: standard output).")
  Path output;

  @Option(
      names = "--chat",
      description =
          "Wrap prompt text in the tokenizer's chat template (a user turn, then the assistant prompt).")
  boolean chat;

  @Option(
      names = "--max-new-tokens",
      defaultValue = "128",
      description = "Tokens to generate at most per row (default ${DEFAULT-VALUE}).")
  int maxNewTokens;

  @Option(
      names = "--sampler",
      defaultValue = "greedy",
      description = "greedy, temperature, top-p, edt or edt-instance (default ${DEFAULT-VALUE}).")
  String sampler;

  @Option(
      names = "--temperature",
      defaultValue = "0.5",
      description = "temperature and top-p samplers (default ${DEFAULT-VALUE}).")
  double temperature;

  @Option(
      names = "--top-k",
      defaultValue = "0",
      description =
          "Keep the k most probable tokens, 0 = off (temperature, top-p; default ${DEFAULT-VALUE}).")
  int topK;

  @Option(
      names = "--top-p",
      defaultValue = "0.95",
      description = "Nucleus mass (top-p and EDT samplers; default ${DEFAULT-VALUE}).")
  double topP;

  @Option(
      names = "--edt-t0",
      defaultValue = "0.6",
      description = "EDT temperature ceiling T0 (default ${DEFAULT-VALUE}).")
  double edtT0;

  @Option(
      names = "--edt-theta",
      defaultValue = "0.1",
      description = "EDT theta; 0 = fixed T0 (default ${DEFAULT-VALUE}).")
  double edtTheta;

  @Option(
      names = "--edt-n",
      defaultValue = "0.8",
      description = "EDT base N in (0, 1) (default ${DEFAULT-VALUE}).")
  double edtN;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Run seed; row r uses (seed, id or index) (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--stop",
      arity = "1..*",
      paramLabel = "STR",
      description = "Stop when the completion contains STR (repeatable).")
  List<String> stop = new ArrayList<>();

  @Option(
      names = "--batch-size",
      defaultValue = "16",
      description = "Prompts per forward pass (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Override
  public Integer call() throws Exception {
    return LoadedModel.userErrors(this::generate);
  }

  private Integer generate() throws Exception {
    if (maxNewTokens < 1)
      throw new StepwiseException("--max-new-tokens must be >= 1, got " + maxNewTokens);
    if (batchSize < 1) throw new StepwiseException("--batch-size must be >= 1, got " + batchSize);
    SamplingStrategy strategy = strategy();
    boolean edt = strategy instanceof Edt;
    try (LoadedModel loaded = LoadedModel.open(model, ModelConfig.from(common.config().raw()))) {
      PromptRows rows = PromptRows.read(prompts.prompt, prompts.input, loaded, chat);
      Set<Integer> eos = new HashSet<>();
      loaded.tokenizer().specialTokens().eos().ifPresent(eos::add);
      if (loaded.model().config().eosTokenId() != null)
        eos.add(loaded.model().config().eosTokenId());
      List<GenerationRequest> requests = new ArrayList<>();
      for (int i = 0; i < rows.ids().size(); i++) {
        requests.add(
            new GenerationRequest(
                rows.ids().get(i),
                maxNewTokens,
                Seeds.mix(seed, rows.seedKey(i)),
                strategy.newRequest(),
                stop,
                eos));
      }
      long start = System.nanoTime();
      List<Generation> generations = loaded.generator(batchSize).generate(requests);
      double seconds = (System.nanoTime() - start) / 1e9;
      List<String> lines = new ArrayList<>();
      long tokens = 0;
      for (int i = 0; i < generations.size(); i++) {
        lines.add(GSON.toJson(row(rows.source().get(i), i, generations.get(i), edt)));
        tokens += generations.get(i).tokens().length;
      }
      Jsonl.write(lines, output, spec.commandLine().getOut());
      PrintWriter err = spec.commandLine().getErr();
      err.printf(
          "generate: %d rows, %d tokens in %.1f s, prompt prefill included (%.1f tokens/s)%s%n",
          lines.size(), tokens, seconds, tokens / seconds, output == null ? "" : " -> " + output);
      err.flush();
    }
    return 0;
  }

  private SamplingStrategy strategy() {
    return switch (sampler) {
      case "greedy" -> FixedSampler.greedy();
      case "temperature" -> new FixedSampler(temperature, topK, 1.0);
      case "top-p" -> new FixedSampler(temperature, topK, topP);
      case "edt" -> new Edt(edtT0, edtTheta, edtN, topP, false);
      case "edt-instance" -> new Edt(edtT0, edtTheta, edtN, topP, true);
      default ->
          throw new ParameterException( // bad usage: exit 2
              spec.commandLine(),
              "--sampler "
                  + sampler
                  + " is unknown: use greedy, temperature, top-p, edt or edt-instance");
    };
  }

  private static JsonObject row(JsonObject source, int index, Generation g, boolean edt) {
    JsonObject out = source.deepCopy();
    out.addProperty("index", index);
    out.addProperty("text", g.text());
    out.add("tokens", GSON.toJsonTree(g.tokens()));
    out.add("logprobs", GSON.toJsonTree(g.logProbs()));
    out.addProperty("finish_reason", g.finishReason().name().toLowerCase());
    if (g.stopString() != null) out.addProperty("stop_string", g.stopString());
    if (edt) {
      out.add("temperatures", GSON.toJsonTree(g.temperatures()));
      out.add("entropies", GSON.toJsonTree(g.entropies()));
    }
    return out;
  }

  /** The prompts as token ids, the input objects they came from, and what seeds each row. */
  private record PromptRows(List<int[]> ids, List<JsonObject> source, List<Long> seedKeys) {
    long seedKey(int i) {
      return seedKeys.get(i);
    }

    static PromptRows read(String prompt, Path input, LoadedModel loaded, boolean chat) {
      List<JsonlRows.Row> rows;
      if (prompt != null) {
        JsonObject single = new JsonObject();
        single.addProperty("prompt", prompt);
        rows = List.of(new JsonlRows.Row(Path.of("--prompt"), 1, single));
      } else {
        rows = JsonlRows.read(input);
      }
      ChatFormat format = chat ? new ChatFormat(loaded.tokenizer()) : null;
      List<int[]> ids = new ArrayList<>();
      List<JsonObject> source = new ArrayList<>();
      List<Long> keys = new ArrayList<>();
      for (int i = 0; i < rows.size(); i++) {
        JsonlRows.Row row = rows.get(i);
        int[] tokens =
            row.has("prompt_ids")
                ? row.ids("prompt_ids", loaded.model().config().vocabSize())
                : format != null
                    ? format.prompt(row.text("prompt"))
                    : loaded.tokenizer().encode(row.text("prompt"));
        if (tokens.length == 0)
          throw new IllegalArgumentException(row.where() + ": the prompt encodes to no tokens");
        ids.add(tokens);
        source.add(row.json());
        // An id keeps a row's seed when rows are reordered or filtered; else its index does.
        keys.add(row.has("id") ? (long) row.json().get("id").getAsString().hashCode() : i);
      }
      return new PromptRows(ids, source, keys);
    }
  }
}
