package dev.stepwise.spark.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.inject.Injector;
import dev.stepwise.search.LabelledSolution;
import dev.stepwise.search.Prm;
import dev.stepwise.search.PrmQuality;
import dev.stepwise.spark.config.ModelConfig;
import dev.stepwise.spark.config.PrmConfig;
import dev.stepwise.spark.config.TasksConfig;
import dev.stepwise.spark.jobs.search.LabelledFiles;
import dev.stepwise.spark.jobs.search.PrmData;
import dev.stepwise.text.ChatFormat;
import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `stepwise prm score`: PRM scores of partial solutions, one per step (each step after the steps
 * before it; the last is the partial solution's score), as JSONL; AUC and accuracy when the rows
 * carry labels.
 */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    description = {
      "Score partial solutions with a PRM (a checkpoint from `prm train`, or any policy as its own"
          + " step judge): every step of each row after the steps before it.",
      "--input: .jsonl or .parquet (any Hadoop URI) with question, steps (array), optional labels,"
          + " id, lang; without it, the synthetic held-out labelled solutions (stepwise.prm.eval_problems).",
      "Writes one JSON line per row: id, lang, step_scores, score (the last step's), labels; prints"
          + " AUC and accuracy over the labelled steps."
    })
public final class PrmScoreCommand implements Callable<Integer> {
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(names = "--model", required = true, paramLabel = "DIR", description = "The PRM.")
  Path model;

  @Option(names = "--input", paramLabel = "FILE", description = "Partial solutions to score.")
  String input;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "FILE.jsonl",
      description = "Where the scores go.")
  Path output;

  @Override
  public Integer call() throws Exception {
    Injector injector = common.injector();
    PrmConfig config = injector.getInstance(PrmConfig.class);
    List<LabelledSolution> rows =
        input == null
            ? PrmData.synthetic(injector.getInstance(TasksConfig.class), config).heldOut()
            : LabelledFiles.read(injector.getInstance(SparkSession.class), input, false);
    ModelConfig modelConfig = injector.getInstance(ModelConfig.class);
    return LoadedModel.userErrors(() -> score(config, modelConfig, rows));
  }

  private Integer score(PrmConfig config, ModelConfig modelConfig, List<LabelledSolution> rows)
      throws Exception {
    PrintWriter w = spec.commandLine().getOut();
    try (LoadedModel loaded = LoadedModel.open(model, modelConfig)) {
      Prm prm =
          config.prm(loaded.model(), new ChatFormat(loaded.tokenizer()), loaded.generator(64));
      List<Prm.Request> requests = new ArrayList<>();
      rows.forEach(r -> requests.addAll(r.requests()));
      long started = System.nanoTime();
      List<Double> scores = prm.score(requests);
      double seconds = (System.nanoTime() - started) / 1e9;
      List<Double> labelledScores = new ArrayList<>();
      List<Boolean> labels = new ArrayList<>();
      if (output.getParent() != null) Files.createDirectories(output.getParent());
      try (BufferedWriter out = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
        int next = 0;
        for (LabelledSolution r : rows) {
          List<Double> mine = scores.subList(next, next + r.steps().size());
          next += r.steps().size();
          Map<String, Object> line = new LinkedHashMap<>();
          line.put("id", r.id());
          line.put("lang", r.lang());
          line.put("step_scores", mine);
          line.put("score", mine.get(mine.size() - 1));
          if (r.labelled()) {
            line.put("labels", r.labels());
            labelledScores.addAll(mine);
            labels.addAll(r.labels());
          }
          out.write(GSON.toJson(line));
          out.write('\n');
        }
      }
      w.printf(
          "scored %d steps of %d partial solutions in %.1fs (%.1f steps/s) -> %s%n",
          scores.size(), rows.size(), seconds, scores.size() / Math.max(seconds, 1e-9), output);
      if (!labels.isEmpty())
        PrmTrainCommand.print(w, "labelled", PrmQuality.of(labelledScores, labels));
      w.flush();
    }
    return 0;
  }
}
