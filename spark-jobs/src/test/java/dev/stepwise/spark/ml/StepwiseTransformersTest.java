package dev.stepwise.spark.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.stepwise.judge.Verdict;
import dev.stepwise.spark.Cli;
import dev.stepwise.spark.config.SparkConfig;
import dev.stepwise.spark.runtime.SessionFactory;
import dev.stepwise.text.PromptTemplates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The Spark ML transformers in Pipelines on the shipped tiny M1 in local[2]: outputs, per-row
 * errors, save/load round trips and determinism across partitionings.
 */
class StepwiseTransformersTest {
  private static SparkSession spark;
  @TempDir Path dir;

  @BeforeAll
  static void session() {
    spark =
        SessionFactory.create(new SparkConfig("local[2]", "test", false, 0, Duration.ofSeconds(1)));
  }

  private static String reasoning(String problem) {
    return PromptTemplates.DEFAULT.reasoning(problem);
  }

  private static Dataset<Row> prompts() {
    StructType schema =
        new StructType().add("id", DataTypes.StringType).add("prompt", DataTypes.StringType);
    List<Row> rows =
        List.of(
            RowFactory.create("p1", reasoning("Tom has 3 apples and buys 4 more. How many now?")),
            RowFactory.create("p2", reasoning("What is 12 + 5 - 3?")),
            RowFactory.create("p3", reasoning("Anna has 9 pens and gives away 2. How many left?")),
            RowFactory.create("null", null),
            // 1,500 words: more tokens than the model's 1,024 positions.
            RowFactory.create("long", "seven ".repeat(1500)),
            RowFactory.create("p4", reasoning("What is 6 + 7?")));
    return spark.createDataFrame(rows, schema);
  }

  private static Map<String, Row> byId(Dataset<Row> rows) {
    return rows.collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getAs("id"), Function.identity()));
  }

  /**
   * The same rows: every column equal, but log-probs only within 1e-4 (another batch pads its rows
   * differently, which can move the last bits of a float; the tokens chosen stay the same).
   */
  private static void assertSameRows(Map<String, Row> actual, Map<String, Row> expected) {
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    for (String id : expected.keySet()) {
      Row a = actual.get(id), e = expected.get(id);
      assertThat(a.schema()).isEqualTo(e.schema());
      for (String column : e.schema().fieldNames()) {
        Object x = a.getAs(column), y = e.getAs(column);
        if (column.contains("logprob") && y != null) {
          double[] xs = numbers(x), ys = numbers(y);
          assertThat(xs).as(id + " " + column).containsExactly(ys, within(1e-4));
        } else {
          assertThat(x).as(id + " " + column).isEqualTo(y);
        }
      }
    }
  }

  private static double[] numbers(Object value) {
    if (value instanceof Number n) return new double[] {n.doubleValue()};
    return CollectionConverters.asJava((scala.collection.Seq<?>) value).stream()
        .mapToDouble(v -> ((Number) v).doubleValue())
        .toArray();
  }

  @Test
  void generatorThenScorerInAPipelineKeepBadRowsInTheErrorColumnAndSurviveSaveAndLoad()
      throws Exception {
    StepwiseGenerator generator =
        new StepwiseGenerator()
            .setModelPath(Cli.tinyM1())
            .setSampler("fixed")
            .setTemperature(1.0)
            .setMaxNewTokens(96)
            .setSeed(7)
            .setBatchSize(2);
    StepwiseScorer scorer = new StepwiseScorer().setModelPath(Cli.tinyM1());
    PipelineModel model =
        new Pipeline().setStages(new PipelineStage[] {generator, scorer}).fit(prompts());
    Map<String, Row> out = byId(model.transform(prompts().repartition(2)));

    assertThat(out).hasSize(6);
    assertThat((String) out.get("null").getAs("error")).isEqualTo("the prompt is null");
    assertThat((String) out.get("long").getAs("error"))
        .contains("leaves no room under max_position_embeddings 1024");
    for (String bad : List.of("null", "long")) {
      assertThat((Object) out.get(bad).getAs("completion")).isNull();
      assertThat((Object) out.get(bad).getAs("logprob_sum")).isNull(); // the scorer skipped it
    }
    for (String id : List.of("p1", "p2", "p3", "p4")) {
      Row r = out.get(id);
      assertThat((Object) r.getAs("error")).as(id).isNull();
      assertThat((String) r.getAs("completion")).as(id).startsWith("Step 1:");
      List<Integer> tokens =
          CollectionConverters.asJava(r.<scala.collection.Seq<Integer>>getAs("completion_tokens"));
      List<Float> logProbs =
          CollectionConverters.asJava(r.<scala.collection.Seq<Float>>getAs("completion_logprobs"));
      assertThat(logProbs).hasSameSizeAs(tokens).allSatisfy(p -> assertThat(p).isNegative());
      if (r.getAs("finish_reason").equals("eos")) {
        // The scorer reads the completion again (plus EOS): the generator's own log-probs.
        List<Float> scored =
            CollectionConverters.asJava(r.<scala.collection.Seq<Float>>getAs("token_logprobs"));
        assertThat(scored).as(id).hasSameSizeAs(tokens);
        double sum = logProbs.stream().mapToDouble(Float::doubleValue).sum();
        assertThat((double) r.getAs("logprob_sum")).as(id).isCloseTo(sum, within(1e-3));
      }
    }
    assertThat(out.values().stream().filter(r -> "eos".equals(r.getAs("finish_reason"))))
        .isNotEmpty();

    // Saved and loaded, the pipeline gives the same rows, in another partitioning too.
    String saved = dir.resolve("pipeline").toString();
    model.save(saved);
    PipelineModel loaded = PipelineModel.load(saved);
    assertThat(loaded.stages()[0]).isInstanceOf(StepwiseGenerator.class);
    assertThat(((StepwiseGenerator) loaded.stages()[0]).getOrDefault(generator.seed()))
        .isEqualTo(7L);
    assertSameRows(byId(loaded.transform(prompts().repartition(3))), out);

    // Another seed samples other completions; the seed is what decides them.
    Map<String, Row> reseeded =
        byId(
            new StepwiseGenerator()
                .setModelPath(Cli.tinyM1())
                .setSampler("fixed")
                .setTemperature(1.0)
                .setMaxNewTokens(96)
                .setSeed(8)
                .transform(prompts()));
    assertThat(List.of("p1", "p2", "p3", "p4"))
        .anySatisfy(
            id ->
                assertThat((String) reseeded.get(id).getAs("completion"))
                    .isNotEqualTo(out.get(id).getAs("completion")));
  }

  @Test
  void judgeInAPipelinePrefersTheRightStepInBothOrdersAndSurvivesSaveAndLoad() throws Exception {
    StructType schema =
        new StructType()
            .add("id", DataTypes.StringType)
            .add("question", DataTypes.StringType)
            .add("prefix", DataTypes.createArrayType(DataTypes.StringType))
            .add("step_a", DataTypes.StringType)
            .add("step_b", DataTypes.StringType);
    String question = "Tom has 3 apples and buys 4 more. Then he eats 2. How many apples now?";
    scala.collection.immutable.Seq<String> none =
        CollectionConverters.asScala(List.<String>of()).toList();
    scala.collection.immutable.Seq<String> first =
        CollectionConverters.asScala(List.of("Step 1: 3 + 4 = 7.")).toList();
    String right = "Step 2: 7 - 2 = 5. The answer is \\boxed{5}.";
    String wrong = "Step 2: 7 - 2 = 6. The answer is \\boxed{6}.";
    Dataset<Row> pairs =
        spark.createDataFrame(
            List.of(
                RowFactory.create("ab", question, first, right, wrong),
                RowFactory.create("ba", question, first, wrong, right),
                RowFactory.create(
                    "first", question, none, "Step 1: 3 + 4 = 7.", "Step 1: 3 + 4 = 8."),
                RowFactory.create("bad", question, first, right, null)),
            schema);
    StepwiseJudge judge = new StepwiseJudge().setModelPath(Cli.tinyM1());
    PipelineModel model = new Pipeline().setStages(new PipelineStage[] {judge}).fit(pairs);
    Map<String, Row> out = byId(model.transform(pairs));

    assertThat((String) out.get("bad").getAs("error")).isEqualTo("the step B is null");
    assertThat((Object) out.get("bad").getAs("verdict")).isNull();
    assertThat((String) out.get("ab").getAs("verdict")).isEqualTo("A");
    assertThat((String) out.get("ba").getAs("verdict")).isEqualTo("B");
    for (String id : List.of("ab", "ba", "first")) {
      Row r = out.get(id);
      assertThat((Object) r.getAs("error")).isNull();
      // The verdict is the one the judgment text names.
      assertThat((String) r.getAs("verdict")).isEqualTo(Verdict.parse(r.getAs("judgment")).name());
    }

    String saved = dir.resolve("judge").toString();
    model.save(saved);
    assertSameRows(byId(PipelineModel.load(saved).transform(pairs.repartition(2))), out);

    // Forced choice: the likelier verdict tag, never a tie; the mode is saved with the stage.
    String forced = dir.resolve("forced").toString();
    new StepwiseJudge().setModelPath(Cli.tinyM1()).setMode("forced_choice").save(forced);
    StepwiseJudge loaded = StepwiseJudge.load(forced);
    assertThat(loaded.getOrDefault(loaded.mode())).isEqualTo("forced_choice");
    Map<String, Row> chosen = byId(loaded.transform(pairs));
    for (String id : List.of("ab", "ba", "first")) {
      Row r = chosen.get(id);
      assertThat((String) r.getAs("verdict")).isIn("A", "B");
      assertThat((String) r.getAs("verdict")).isEqualTo(Verdict.parse(r.getAs("judgment")).name());
    }
  }

  @Test
  void badParamsAndColumnsFailBeforeAnyTaskRuns() {
    assertThat(
            org.assertj.core.api.Assertions.catchThrowable(
                () -> new StepwiseGenerator().setSampler("beam")))
        .hasMessageContaining("parameter sampler given invalid value beam");
    assertThat(
            org.assertj.core.api.Assertions.catchThrowable(
                () ->
                    new StepwiseGenerator()
                        .setModelPath(Cli.tinyM1())
                        .setPromptCol("question")
                        .transform(prompts())))
        .hasMessage(
            "StepwiseGenerator: input column 'question' is not in the dataset (columns: id, prompt)");
    assertThat(
            org.assertj.core.api.Assertions.catchThrowable(
                () -> new StepwiseScorer().setModelPath(Cli.tinyM1()).transform(prompts())))
        .hasMessageContaining("input column 'completion' is not in the dataset");
    // The judge takes the steps so far as an array or as one string of lines.
    StructType lines =
        new StructType()
            .add("question", DataTypes.StringType)
            .add("prefix", DataTypes.StringType)
            .add("step_a", DataTypes.StringType)
            .add("step_b", DataTypes.StringType);
    assertThat(new StepwiseJudge().setModelPath("m").transformSchema(lines).fieldNames())
        .endsWith("verdict", "judgment", "error");
  }
}
