package dev.stepwise.spark.ml;

import dev.stepwise.model.CompletionScorer;
import dev.stepwise.spark.runtime.ExecutorModels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Spark ML transformer: log p(completion | prompt) of each completion token, and their sum, as
 * {@code stepwise model score} computes them (no sampling, so no seed).
 */
public final class StepwiseScorer extends ModelTransformer<StepwiseScorer, StepwiseScorer.Input> {

  /** One row's token ids. */
  record Input(int[] prompt, int[] completion) {}

  private final Param<String> promptCol =
      new Param<>(this, "promptCol", "input column: the prompt text");
  private final Param<String> completionCol =
      new Param<>(this, "completionCol", "input column: the completion text to score");
  private final Param<String> logProbsCol =
      new Param<>(this, "logProbsCol", "output column: log p of each completion token");
  private final Param<String> sumCol =
      new Param<>(this, "sumCol", "output column: the sum of the completion's log-probs");
  private final BooleanParam chat =
      new BooleanParam(
          this,
          "chat",
          "the prompt is a user turn through the chat template and the completion ends with EOS,"
              + " as in SFT");

  public StepwiseScorer() {
    this(Identifiable.randomUID("stepwiseScorer"));
  }

  public StepwiseScorer(String uid) {
    super(uid);
    setDefault(promptCol, "prompt");
    setDefault(completionCol, "completion");
    setDefault(logProbsCol, "token_logprobs");
    setDefault(sumCol, "logprob_sum");
    setDefault(chat, true);
  }

  public static MLReader<StepwiseScorer> read() {
    return new DefaultParamsReader<>();
  }

  public static StepwiseScorer load(String path) {
    return read().load(path);
  }

  @Override
  public StepwiseScorer copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  public Param<String> promptCol() {
    return promptCol;
  }

  public Param<String> completionCol() {
    return completionCol;
  }

  public Param<String> logProbsCol() {
    return logProbsCol;
  }

  public Param<String> sumCol() {
    return sumCol;
  }

  public BooleanParam chat() {
    return chat;
  }

  public StepwiseScorer setPromptCol(String value) {
    return setParam(promptCol, value);
  }

  public StepwiseScorer setCompletionCol(String value) {
    return setParam(completionCol, value);
  }

  public StepwiseScorer setLogProbsCol(String value) {
    return setParam(logProbsCol, value);
  }

  public StepwiseScorer setSumCol(String value) {
    return setParam(sumCol, value);
  }

  public StepwiseScorer setChat(boolean value) {
    return setParam(chat, value);
  }

  @Override
  protected List<StructField> inputs() {
    return List.of(
        DataTypes.createStructField($(promptCol), DataTypes.StringType, true),
        DataTypes.createStructField($(completionCol), DataTypes.StringType, true));
  }

  @Override
  protected List<StructField> outputs() {
    return List.of(
        DataTypes.createStructField(
            $(logProbsCol), DataTypes.createArrayType(DataTypes.FloatType, false), true),
        DataTypes.createStructField($(sumCol), DataTypes.DoubleType, true));
  }

  @Override
  protected Model<Input> model() {
    return new Score((Boolean) $(chat));
  }

  /** The scoring of one partition's rows. */
  private record Score(boolean chat) implements Model<Input> {
    @Override
    public Input input(ExecutorModels.Loaded loaded, Object[] values) {
      String prompt = (String) values[0], completion = (String) values[1];
      if (prompt == null) throw new IllegalArgumentException("the prompt is null");
      if (completion == null) throw new IllegalArgumentException("the completion is null");
      int[] p = chat ? loaded.chat().prompt(prompt) : loaded.tokenizer().encode(prompt);
      int[] c = chat ? loaded.chat().completion(completion) : loaded.tokenizer().encode(completion);
      if (p.length == 0 || c.length == 0)
        throw new IllegalArgumentException(
            "prompt and completion must each encode to at least one token");
      return new Input(p, c);
    }

    @Override
    public List<Object[]> run(ExecutorModels.Loaded loaded, List<Input> inputs) {
      List<CompletionScorer.Scored> scored =
          new CompletionScorer(loaded.model())
              .score(
                  inputs.stream().map(Input::prompt).toList(),
                  inputs.stream().map(Input::completion).toList());
      List<Object[]> out = new ArrayList<>();
      for (CompletionScorer.Scored s : scored) {
        out.add(new Object[] {floats(s.tokenLogProbs()), s.sum()});
      }
      return out;
    }
  }

  /** A float[] as the Scala sequence Spark's row encoder takes for an array column. */
  static Object floats(float[] values) {
    Float[] boxed = new Float[values.length];
    for (int i = 0; i < values.length; i++) boxed[i] = values[i];
    return CollectionConverters.asScala(Arrays.asList(boxed)).toList();
  }
}
