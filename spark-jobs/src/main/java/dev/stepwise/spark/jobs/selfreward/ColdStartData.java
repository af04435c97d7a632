package dev.stepwise.spark.jobs.selfreward;

import static org.apache.spark.sql.functions.col;

import dev.stepwise.judge.Verdict;
import dev.stepwise.sampling.Seeds;
import dev.stepwise.schemas.Datasets;
import dev.stepwise.selfreward.SftRecipe;
import dev.stepwise.spark.config.SftDataConfig;
import dev.stepwise.spark.config.TasksConfig;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.SftMixture;
import dev.stepwise.tasks.SolutionEft;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskExample;
import dev.stepwise.tasks.TaskGenerator;
import dev.stepwise.text.PromptTemplates;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.collection.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The M0 -> M1 mixture of stepwise.sft.data: the synthetic IFT/EFT of stepwise.tasks (generated
 * where the training runs) plus the imported part, collected on the driver: step-format solutions
 * of the run's prompts (IFT), the judge pairs SolutionEft builds from them and judge examples read
 * from JSONL/Parquet files (EFT).
 *
 * @param synthetic the synthetic mixture, or null when neither list names "synthetic"
 * @param imported the imported IFT and EFT examples, their prompts already rendered
 * @param counts examples of each kind: "ift/synthetic", "ift/SOURCE/SPLIT", "eft/synthetic",
 *     "eft/from_ift", "eft/FILE"
 */
public record ColdStartData(
    SftMixture synthetic, List<TaskExample> imported, Map<String, Long> counts)
    implements Serializable {

  /**
   * Reads the imported solutions named by {@code data} from the run's prompts.
   *
   * @param io the run's datasets, asked for only when {@code data} names imported prompts
   * @param spark asked for only when {@code data} names judge files
   * @param languages the synthetic mixture's languages
   */
  public static ColdStartData collect(
      Supplier<DatasetIO> io,
      Supplier<SparkSession> spark,
      SftDataConfig data,
      TasksConfig tasks,
      List<Language> languages,
      PromptTemplates templates,
      long seed) {
    Map<String, Long> counts = new LinkedHashMap<>();
    int syntheticIft = data.syntheticIft() ? tasks.trainProblems() : 0,
        syntheticEft = data.syntheticEft() ? tasks.eftProblems() : 0;
    SftMixture synthetic =
        syntheticIft + syntheticEft == 0
            ? null
            : new SftMixture(languages, syntheticIft, syntheticEft);
    if (data.syntheticIft()) counts.put("ift/synthetic", (long) syntheticIft);
    if (data.syntheticEft()) counts.put("eft/synthetic", (long) syntheticEft);
    List<Row> solutions = new ArrayList<>();
    for (String entry : data.importedIft()) {
      List<Row> rows = solutions(io.get(), entry, data.maxIft(), seed);
      counts.put("ift/" + entry, (long) rows.size());
      solutions.addAll(rows);
    }
    List<TaskExample> imported = new ArrayList<>();
    for (Row r : solutions) {
      imported.add(
          new TaskExample(
              "ift-" + r.getAs("id"),
              "ift",
              r.getAs("split"),
              r.getAs("lang"),
              0,
              templates.reasoning(r.getAs("question")),
              r.getAs("solution"),
              r.getAs("gold")));
    }
    if (data.eftFromIft()) {
      List<Row> sources = sample(solutions, data.maxEft(), seed + 1);
      long eft = 0;
      for (Row r : sources) {
        String id = r.getAs("id");
        var contrast = SolutionEft.contrast(r.getAs("solution"), seed, id);
        if (contrast.isEmpty()) continue;
        List<TaskExample> pair =
            SolutionEft.examples(
                contrast.get(),
                id,
                r.getAs("split"),
                r.getAs("lang"),
                r.getAs("question"),
                templates);
        imported.addAll(pair);
        eft += pair.size();
      }
      counts.put("eft/from_ift", eft);
    }
    for (String file : data.judgeFiles()) {
      List<TaskExample> judged = judgeFile(spark.get(), file, templates);
      counts.put("eft/" + file, (long) judged.size());
      imported.addAll(judged);
    }
    ColdStartData mixture = new ColdStartData(synthetic, List.copyOf(imported), counts);
    if (mixture.total() == 0) {
      throw new StepwiseException(
          "the SFT mixture is empty "
              + counts
              + ": set stepwise.tasks.train_problems/eft_problems"
              + " or name imported prompts in stepwise.sft.data.ift");
    }
    return mixture;
  }

  /**
   * Every example as text: the synthetic ones (generated here, with the templates) and the imported
   * ones.
   */
  public List<TaskExample> examples(TaskGenerator generator, PromptTemplates templates) {
    List<TaskExample> out = new ArrayList<>();
    if (synthetic != null)
      out.addAll(synthetic.taskExamples(generator.withTemplates(templates), Split.TRAIN));
    out.addAll(imported);
    return out;
  }

  /**
   * The mixture of one recipe pass: the pass's synthetic sizes (for the kinds stepwise.sft.data
   * names as synthetic) and the whole imported part.
   */
  public ColdStartData forPass(SftRecipe.Pass pass) {
    if (synthetic == null) return this;
    Map<String, Long> sized = new LinkedHashMap<>(counts);
    int ift = sized.containsKey("ift/synthetic") ? pass.iftProblems() : 0,
        eft = sized.containsKey("eft/synthetic") ? pass.eftProblems() : 0;
    sized.computeIfPresent("ift/synthetic", (k, v) -> (long) ift);
    sized.computeIfPresent("eft/synthetic", (k, v) -> (long) eft);
    return new ColdStartData(new SftMixture(synthetic.languages(), ift, eft), imported, sized);
  }

  public long total() {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * Judge examples in the paper's format from a JSONL or Parquet file: {@code question}, {@code
   * previous_steps} (an array of "Step n: ..." lines, or one string of them; may be absent before
   * the first step), {@code step_a}, {@code step_b}, {@code judgment} (the explanation, then [[A]]
   * or [[B]]), optional {@code lang}. The prompt is rendered with the judge template, the judgment
   * is the completion.
   */
  static List<TaskExample> judgeFile(SparkSession spark, String file, PromptTemplates templates) {
    Dataset<Row> rows;
    try {
      rows = file.endsWith(".parquet") ? spark.read().parquet(file) : spark.read().json(file);
    } catch (RuntimeException e) {
      throw new StepwiseException(
          "stepwise.sft.data.eft: cannot read " + file + ": " + e.getMessage(), e);
    }
    List<String> columns = List.of(rows.columns());
    for (String c : List.of("question", "step_a", "step_b", "judgment")) {
      if (!columns.contains(c)) {
        throw new StepwiseException(
            file
                + " has no column '"
                + c
                + "'; judge examples need question, previous_steps, step_a,"
                + " step_b, judgment (stepwise.sft.data.eft)");
      }
    }
    if (columns.contains("_corrupt_record")) {
      throw new StepwiseException(
          file + " has lines that are not JSON objects (stepwise.sft.data.eft)");
    }
    List<TaskExample> out = new ArrayList<>();
    List<Row> collected = rows.collectAsList();
    for (int i = 0; i < collected.size(); i++) {
      Row r = collected.get(i);
      String where = file + " row " + (i + 1);
      String question = text(r, "question", where),
          a = text(r, "step_a", where),
          b = text(r, "step_b", where);
      String judgment = text(r, "judgment", where);
      Verdict verdict = Verdict.parse(judgment);
      if (verdict == Verdict.TIE)
        throw new StepwiseException(where + ": judgment names neither or both of [[A]] and [[B]]");
      String lang =
          columns.contains("lang") && !r.isNullAt(r.fieldIndex("lang")) ? r.getAs("lang") : "en";
      out.add(
          new TaskExample(
              "eft-" + file + "-" + (i + 1),
              "eft",
              "train",
              lang,
              0,
              templates.judge(question, previousSteps(r, columns), a, b),
              judgment,
              verdict.name()));
    }
    return out;
  }

  private static String text(Row r, String column, String where) {
    Object value = r.getAs(column);
    if (!(value instanceof String s) || s.isBlank())
      throw new StepwiseException(where + ": '" + column + "' is missing or empty");
    return s;
  }

  private static List<String> previousSteps(Row r, List<String> columns) {
    if (!columns.contains("previous_steps") || r.isNullAt(r.fieldIndex("previous_steps")))
      return List.of();
    Object value = r.getAs("previous_steps");
    if (value instanceof String s) return s.isBlank() ? List.of() : List.of(s.strip().split("\n"));
    return CollectionConverters.asJava(r.<Seq<String>>getAs("previous_steps"));
  }

  /**
   * The step-format solutions of "SOURCE/SPLIT", a seeded sample of at most {@code max} (0 = all).
   */
  private static List<Row> solutions(DatasetIO io, String entry, int max, long seed) {
    String[] parts = entry.split("/");
    List<Row> rows =
        !io.exists(Datasets.PROMPTS)
            ? List.of()
            : io.read(Datasets.PROMPTS)
                .filter(
                    col("source")
                        .equalTo(parts[0])
                        .and(col("split").equalTo(parts[1]))
                        .and(col("solution").isNotNull()))
                .select("id", "split", "lang", "question", "solution", "gold")
                .collectAsList();
    if (rows.isEmpty()) {
      throw new StepwiseException(
          "stepwise.sft.data.ift names "
              + entry
              + ", but the run has no "
              + entry
              + " prompts with a solution: import them first (e.g. `stepwise import gsm8k --input .../train.jsonl`)");
    }
    return sample(rows, max, seed);
  }

  /**
   * At most {@code max} rows (0 = all), the same ones for the same seed whatever order Spark
   * returned.
   */
  private static List<Row> sample(List<Row> rows, int max, long seed) {
    List<Row> sorted = new ArrayList<>(rows);
    sorted.sort(Seeds.order(seed, (Row r) -> r.<String>getAs("id")));
    return max > 0 && sorted.size() > max ? List.copyOf(sorted.subList(0, max)) : sorted;
  }
}
