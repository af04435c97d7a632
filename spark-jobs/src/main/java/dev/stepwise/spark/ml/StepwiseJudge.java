package dev.stepwise.spark.ml;

import dev.stepwise.generate.Generator;
import dev.stepwise.judge.JudgeMode;
import dev.stepwise.selfreward.ModelPairJudge;
import dev.stepwise.selfreward.PairJudge;
import dev.stepwise.selfreward.SearchPrompt;
import dev.stepwise.spark.runtime.ExecutorModels;
import dev.stepwise.text.PromptTemplates;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import scala.collection.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Spark ML transformer: the pairwise step judge of the search stage (docs/methods.md §A). From a
 * question, the steps so far (an array of "Step n: ..." lines, or one string of lines) and two
 * candidate next steps, the judge's verdict ({@code A}, {@code B}, or {@code TIE} when it names
 * neither or both) and its raw judgment text, decoded greedily.
 */
public final class StepwiseJudge extends ModelTransformer<StepwiseJudge, PairJudge.Request> {

  private final Param<String> questionCol =
      new Param<>(this, "questionCol", "input column: the question");
  private final Param<String> prefixCol =
      new Param<>(
          this,
          "prefixCol",
          "input column: the steps so far, array<string> or a string of lines (empty: none)");
  private final Param<String> stepACol =
      new Param<>(this, "stepACol", "input column: Assistant A's candidate next step");
  private final Param<String> stepBCol =
      new Param<>(this, "stepBCol", "input column: Assistant B's candidate next step");
  private final Param<String> verdictCol =
      new Param<>(this, "verdictCol", "output column: A, B or TIE");
  private final Param<String> judgmentCol =
      new Param<>(this, "judgmentCol", "output column: the judge's text");
  private final IntParam maxJudgeTokens =
      new IntParam(
          this, "maxJudgeTokens", "tokens the judge may write at most", ParamValidators.gtEq(1));
  private final Param<String> template =
      new Param<>(
          this,
          "template",
          "the judge prompt, placeholders {question}, {previous_steps}, {step_a}, {step_b}");
  private final Param<String> mode =
      new Param<>(
          this,
          "mode",
          "generate (the judge writes its check and verdict) or forced_choice (the verdict is the"
              + " likelier of the [[A]] and [[B]] tags; stepwise.judge.mode)",
          ParamValidators.inArray(new String[] {"generate", "forced_choice"}));

  public StepwiseJudge() {
    this(Identifiable.randomUID("stepwiseJudge"));
  }

  public StepwiseJudge(String uid) {
    super(uid);
    setDefault(questionCol, "question");
    setDefault(prefixCol, "prefix");
    setDefault(stepACol, "step_a");
    setDefault(stepBCol, "step_b");
    setDefault(verdictCol, "verdict");
    setDefault(judgmentCol, "judgment");
    setDefault(maxJudgeTokens, 80); // stepwise.search.max_judge_tokens
    setDefault(template, PromptTemplates.DEFAULT.judge());
    setDefault(mode, "generate");
  }

  public static MLReader<StepwiseJudge> read() {
    return new DefaultParamsReader<>();
  }

  public static StepwiseJudge load(String path) {
    return read().load(path);
  }

  @Override
  public StepwiseJudge copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  public Param<String> questionCol() {
    return questionCol;
  }

  public Param<String> prefixCol() {
    return prefixCol;
  }

  public Param<String> stepACol() {
    return stepACol;
  }

  public Param<String> stepBCol() {
    return stepBCol;
  }

  public Param<String> verdictCol() {
    return verdictCol;
  }

  public Param<String> judgmentCol() {
    return judgmentCol;
  }

  public IntParam maxJudgeTokens() {
    return maxJudgeTokens;
  }

  public Param<String> template() {
    return template;
  }

  public StepwiseJudge setQuestionCol(String value) {
    return setParam(questionCol, value);
  }

  public StepwiseJudge setPrefixCol(String value) {
    return setParam(prefixCol, value);
  }

  public StepwiseJudge setStepACol(String value) {
    return setParam(stepACol, value);
  }

  public StepwiseJudge setStepBCol(String value) {
    return setParam(stepBCol, value);
  }

  public StepwiseJudge setVerdictCol(String value) {
    return setParam(verdictCol, value);
  }

  public StepwiseJudge setJudgmentCol(String value) {
    return setParam(judgmentCol, value);
  }

  public StepwiseJudge setMaxJudgeTokens(int value) {
    return setParam(maxJudgeTokens, value);
  }

  public StepwiseJudge setTemplate(String value) {
    return setParam(template, value);
  }

  public Param<String> mode() {
    return mode;
  }

  public StepwiseJudge setMode(String value) {
    return setParam(mode, value);
  }

  @Override
  protected List<StructField> inputs() {
    return List.of(
        DataTypes.createStructField($(questionCol), DataTypes.StringType, true),
        DataTypes.createStructField(
            $(prefixCol), DataTypes.createArrayType(DataTypes.StringType), true),
        DataTypes.createStructField($(stepACol), DataTypes.StringType, true),
        DataTypes.createStructField($(stepBCol), DataTypes.StringType, true));
  }

  @Override
  protected boolean accepts(StructField wanted, DataType found) {
    if (wanted.name().equals($(prefixCol)))
      return found.equals(DataTypes.StringType)
          || (found instanceof ArrayType a && a.elementType().equals(DataTypes.StringType));
    return super.accepts(wanted, found);
  }

  @Override
  protected List<StructField> outputs() {
    return List.of(
        DataTypes.createStructField($(verdictCol), DataTypes.StringType, true),
        DataTypes.createStructField($(judgmentCol), DataTypes.StringType, true));
  }

  @Override
  protected Model<PairJudge.Request> model() {
    PromptTemplates templates =
        new PromptTemplates(PromptTemplates.DEFAULT.reasoning(), $(template));
    return new Judge(
        templates, (Integer) $(maxJudgeTokens), JudgeMode.parse($(mode)), getBatchSize());
  }

  /** The judging of one partition's rows. */
  private record Judge(PromptTemplates templates, int maxJudgeTokens, JudgeMode mode, int batchSize)
      implements Model<PairJudge.Request> {

    @Override
    public PairJudge.Request input(ExecutorModels.Loaded loaded, Object[] values) {
      String[] names = {"question", "step A", "step B"};
      int[] at = {0, 2, 3};
      for (int k = 0; k < at.length; k++) {
        if (values[at[k]] == null)
          throw new IllegalArgumentException("the " + names[k] + " is null");
      }
      List<String> steps = new ArrayList<>();
      if (values[1] instanceof Seq<?> seq) {
        for (Object step : CollectionConverters.asJava(seq)) {
          if (step == null) throw new IllegalArgumentException("a step of the prefix is null");
          steps.add((String) step);
        }
      } else if (values[1] instanceof String lines && !lines.isBlank()) {
        steps.addAll(lines.strip().lines().toList());
      }
      String question = (String) values[0];
      return new PairJudge.Request(
          new SearchPrompt("", "", question, null, 0L),
          steps,
          (String) values[2],
          (String) values[3]);
    }

    @Override
    public List<Object[]> run(ExecutorModels.Loaded loaded, List<PairJudge.Request> inputs) {
      // Comparisons of one question and prefix share its KV cache, through the executor's cache.
      Generator generator =
          new Generator(
              loaded.model(), loaded.tokenizer()::decode, null, batchSize, loaded.prefixes());
      List<Object[]> out = new ArrayList<>();
      for (PairJudge.Judgment j :
          new ModelPairJudge(generator, loaded.chat(), templates, maxJudgeTokens, mode)
              .judge(inputs)) {
        out.add(new Object[] {j.verdict().name(), j.raw()});
      }
      return out;
    }
  }
}
