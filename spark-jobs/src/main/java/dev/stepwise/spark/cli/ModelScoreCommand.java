package dev.stepwise.spark.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.stepwise.io.JsonlRows;
import dev.stepwise.model.CompletionScorer;
import dev.stepwise.spark.config.ModelConfig;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.text.ChatFormat;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `stepwise model score`: log p(completion | prompt) per token, for each input row. */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    description = {
      "Score completions: per-token log-probs and their sum.",
      "Each row {\"prompt\", \"completion\"} (text) or {\"prompt_ids\", \"completion_ids\"}",
      "gets \"token_logprobs\" (one per completion token) and \"logprob_sum\"; other fields are kept."
    })
public final class ModelScoreCommand implements Callable<Integer> {
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  @Spec CommandSpec spec;

  @Mixin CommonOptions common;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description = "HF model directory with its tokenizer.")
  Path model;

  @Option(
      names = "--input",
      required = true,
      paramLabel = "FILE.jsonl",
      description = "Rows to score.")
  Path input;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "FILE.jsonl",
      description = "Scored rows.")
  Path output;

  @Option(
      names = "--chat",
      description =
          "Text prompts go through the chat template and text completions get EOS, as in SFT.")
  boolean chat;

  @Option(
      names = "--batch-size",
      defaultValue = "16",
      description = "Rows per forward pass (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Override
  public Integer call() throws Exception {
    return LoadedModel.userErrors(this::score);
  }

  private Integer score() throws Exception {
    if (batchSize < 1) throw new StepwiseException("--batch-size must be >= 1, got " + batchSize);
    try (LoadedModel loaded = LoadedModel.open(model, ModelConfig.from(common.config().raw()))) {
      List<JsonlRows.Row> rows = JsonlRows.read(input);
      List<int[]> prompts = new ArrayList<>();
      List<int[]> completions = new ArrayList<>();
      ChatFormat format = chat ? new ChatFormat(loaded.tokenizer()) : null;
      int vocab = loaded.model().config().vocabSize();
      for (JsonlRows.Row row : rows) {
        if (row.has("prompt_ids") || row.has("completion_ids")) {
          prompts.add(row.ids("prompt_ids", vocab));
          completions.add(row.ids("completion_ids", vocab));
        } else if (row.has("prompt") || row.has("completion")) {
          String prompt = row.text("prompt"), completion = row.text("completion");
          prompts.add(format != null ? format.prompt(prompt) : loaded.tokenizer().encode(prompt));
          completions.add(
              format != null
                  ? format.completion(completion)
                  : loaded.tokenizer().encode(completion));
        } else {
          throw new IllegalArgumentException(
              row.where()
                  + ": expected \"prompt\" and \"completion\" (text) or \"prompt_ids\" and \"completion_ids\"");
        }
        if (prompts.get(prompts.size() - 1).length == 0
            || completions.get(completions.size() - 1).length == 0) {
          throw new IllegalArgumentException(
              row.where() + ": prompt and completion must each encode to at least one token");
        }
      }
      long start = System.nanoTime();
      CompletionScorer scorer = new CompletionScorer(loaded.model());
      List<String> lines = new ArrayList<>();
      long tokens = 0;
      for (int from = 0; from < rows.size(); from += batchSize) {
        int to = Math.min(rows.size(), from + batchSize);
        List<CompletionScorer.Scored> scored =
            scorer.score(prompts.subList(from, to), completions.subList(from, to));
        for (int i = from; i < to; i++) {
          JsonObject out = rows.get(i).json().deepCopy();
          out.add("token_logprobs", GSON.toJsonTree(scored.get(i - from).tokenLogProbs()));
          out.addProperty("logprob_sum", scored.get(i - from).sum());
          lines.add(GSON.toJson(out));
          tokens += prompts.get(i).length + completions.get(i).length;
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      Jsonl.write(lines, output, spec.commandLine().getOut());
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          "score: %d rows, %d tokens in %.1f s (%.0f tokens/s) -> %s%n",
          lines.size(), tokens, seconds, tokens / seconds, output);
      out.flush();
    }
    return 0;
  }
}
