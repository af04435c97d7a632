package dev.stepwise.spark.jobs.selfreward;

import dev.stepwise.schemas.Datasets;
import dev.stepwise.schemas.Rows;
import dev.stepwise.spark.config.TasksConfig;
import dev.stepwise.spark.runtime.DatasetIO;
import dev.stepwise.spark.runtime.StageRunner;
import dev.stepwise.tasks.ArithmeticProblem;
import dev.stepwise.tasks.Language;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskGenerator;
import dev.stepwise.text.StepFormat;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Stage "tasks": writes the synthetic problems into the run's {@code prompts} dataset
 * (source=synthetic): the train problems (search prompts; each in one language, as SFT saw them)
 * and the held-out eval problems in every language (parallel, for per-language accuracy).
 */
public final class SyntheticPromptsStage {

  public static final String SOURCE = "synthetic";

  private final SparkSession spark;
  private final DatasetIO io;
  private final StageRunner runner;
  private final TasksConfig tasks;

  @Inject
  SyntheticPromptsStage(SparkSession spark, DatasetIO io, StageRunner runner, TasksConfig tasks) {
    this.spark = spark;
    this.io = io;
    this.runner = runner;
    this.tasks = tasks;
  }

  public void run() {
    runner.run(
        "tasks",
        null,
        List.of(),
        stage -> {
          TaskGenerator generator = tasks.generator();
          List<Row> rows = new ArrayList<>();
          for (int i = 0; i < tasks.trainProblems(); i++) {
            rows.add(
                row(
                    generator,
                    Split.TRAIN,
                    i,
                    tasks.languages().get(i % tasks.languages().size())));
          }
          for (int i = 0; i < tasks.evalProblems(); i++) {
            for (Language lang : tasks.languages()) {
              rows.add(row(generator, Split.EVAL, i, lang));
            }
          }
          io.replacePartitions(
              Datasets.PROMPTS,
              spark.createDataFrame(rows, Datasets.get(Datasets.PROMPTS).sparkType()),
              Set.of(partition(Split.TRAIN), partition(Split.EVAL)));
          stage.output(Datasets.PROMPTS, io.pathOf(Datasets.PROMPTS));
          stage.metric("train_prompts", tasks.trainProblems());
          stage.metric("eval_prompts", tasks.evalProblems() * tasks.languages().size());
          return null;
        });
  }

  static String partition(Split split) {
    return DatasetIO.partition(Datasets.PROMPTS, SOURCE, split.label());
  }

  /**
   * The prompt id of a synthetic problem in one language, e.g. "synthetic/eval/3/de"; item i shares
   * "synthetic/eval/3" across languages.
   */
  public static String promptId(Split split, long item, Language lang) {
    return parallelId(split, item) + "/" + lang.code();
  }

  private static String parallelId(Split split, long item) {
    return SOURCE + "/" + split.label() + "/" + item;
  }

  private static Row row(TaskGenerator generator, Split split, long item, Language lang) {
    ArithmeticProblem problem = generator.problem(split, item);
    String parallelId = parallelId(split, item);
    return Rows.of(Datasets.get(Datasets.PROMPTS))
        .set("id", promptId(split, item, lang))
        .set("source", SOURCE)
        .set("split", split.label())
        .set("lang", lang.code())
        .set("question", generator.question(split, item, lang))
        .set("gold", Integer.toString(problem.answer()))
        .set("solution", StepFormat.render(problem.solutionSteps()))
        .set("parallel_id", parallelId)
        .set("original", Map.of())
        .build();
  }
}
