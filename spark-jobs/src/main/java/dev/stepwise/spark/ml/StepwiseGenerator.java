package dev.stepwise.spark.ml;

import dev.stepwise.generate.Generation;
import dev.stepwise.generate.GenerationRequest;
import dev.stepwise.generate.Generator;
import dev.stepwise.sampling.SamplingConfig;
import dev.stepwise.sampling.Seeds;
import dev.stepwise.spark.runtime.ExecutorModels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Spark ML transformer: a prompt column to a completion, its token ids, their log-probs (under the
 * model's unscaled distribution) and the finish reason ({@code eos}, {@code stop_string}, {@code
 * length}). Row r samples from its own Random seeded with (seed, the id column's value), so its
 * completion is the same in any partitioning or batch, and the same as {@code stepwise model
 * generate} gives a row with that id.
 */
public final class StepwiseGenerator
    extends ModelTransformer<StepwiseGenerator, StepwiseGenerator.Input> {

  /** One row's request. */
  record Input(GenerationRequest request) {}

  private final Param<String> promptCol =
      new Param<>(this, "promptCol", "input column: the prompt text");
  private final Param<String> idCol =
      new Param<>(
          this, "idCol", "input column: the row id that seeds its sampling (any type, not null)");
  private final Param<String> completionCol =
      new Param<>(this, "completionCol", "output column: the completion text");
  private final Param<String> tokensCol =
      new Param<>(this, "tokensCol", "output column: the generated token ids, EOS included");
  private final Param<String> logProbsCol =
      new Param<>(this, "logProbsCol", "output column: log p of each generated token");
  private final Param<String> finishReasonCol =
      new Param<>(this, "finishReasonCol", "output column: eos, stop_string or length");
  private final BooleanParam chat =
      new BooleanParam(
          this, "chat", "the prompt is a user turn, rendered through the model's chat template");
  private final IntParam maxNewTokens =
      new IntParam(
          this, "maxNewTokens", "tokens to generate at most per row", ParamValidators.gtEq(1));
  private final StringArrayParam stop =
      new StringArrayParam(this, "stop", "stop when the completion contains one of these");
  private final LongParam seed = new LongParam(this, "seed", "run seed; row r uses (seed, id)");
  private final Param<String> sampler =
      new Param<>(
          this,
          "sampler",
          "greedy, fixed (temperature, top-k, top-p), edt-token or edt-instance",
          ParamValidators.inArray(new String[] {"greedy", "fixed", "edt-token", "edt-instance"}));
  private final DoubleParam temperature =
      new DoubleParam(
          this, "temperature", "fixed sampler's temperature (0 = greedy)", ParamValidators.gtEq(0));
  private final IntParam topK =
      new IntParam(
          this, "topK", "keep the k most probable tokens, 0 = off", ParamValidators.gtEq(0));
  private final DoubleParam topP =
      new DoubleParam(
          this, "topP", "nucleus mass (fixed, EDT)", ParamValidators.inRange(0, 1, false, true));
  private final DoubleParam edtT0 =
      new DoubleParam(this, "edtT0", "EDT temperature ceiling T0", ParamValidators.gt(0));
  private final DoubleParam edtTheta =
      new DoubleParam(this, "edtTheta", "EDT theta (0 = fixed T0)", ParamValidators.gtEq(0));
  private final DoubleParam edtN =
      new DoubleParam(this, "edtN", "EDT base N", ParamValidators.inRange(0, 1, false, false));

  public StepwiseGenerator() {
    this(Identifiable.randomUID("stepwiseGenerator"));
  }

  public StepwiseGenerator(String uid) {
    super(uid);
    SamplingConfig d = SamplingConfig.defaults();
    setDefault(promptCol, "prompt");
    setDefault(idCol, "id");
    setDefault(completionCol, "completion");
    setDefault(tokensCol, "completion_tokens");
    setDefault(logProbsCol, "completion_logprobs");
    setDefault(finishReasonCol, "finish_reason");
    setDefault(chat, true);
    setDefault(maxNewTokens, 128);
    setDefault(stop, new String[0]);
    setDefault(seed, 42L);
    setDefault(sampler, "greedy");
    setDefault(temperature, d.temperature());
    setDefault(topK, d.topK());
    setDefault(topP, d.topP());
    setDefault(edtT0, d.edtT0());
    setDefault(edtTheta, d.edtTheta());
    setDefault(edtN, d.edtN());
  }

  public static MLReader<StepwiseGenerator> read() {
    return new DefaultParamsReader<>();
  }

  public static StepwiseGenerator load(String path) {
    return read().load(path);
  }

  @Override
  public StepwiseGenerator copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  // Params (public, no-argument methods returning a Param: how Spark ML finds and saves them).

  public Param<String> promptCol() {
    return promptCol;
  }

  public Param<String> idCol() {
    return idCol;
  }

  public Param<String> completionCol() {
    return completionCol;
  }

  public Param<String> tokensCol() {
    return tokensCol;
  }

  public Param<String> logProbsCol() {
    return logProbsCol;
  }

  public Param<String> finishReasonCol() {
    return finishReasonCol;
  }

  public BooleanParam chat() {
    return chat;
  }

  public IntParam maxNewTokens() {
    return maxNewTokens;
  }

  public StringArrayParam stop() {
    return stop;
  }

  public LongParam seed() {
    return seed;
  }

  public Param<String> sampler() {
    return sampler;
  }

  public DoubleParam temperature() {
    return temperature;
  }

  public IntParam topK() {
    return topK;
  }

  public DoubleParam topP() {
    return topP;
  }

  public DoubleParam edtT0() {
    return edtT0;
  }

  public DoubleParam edtTheta() {
    return edtTheta;
  }

  public DoubleParam edtN() {
    return edtN;
  }

  public StepwiseGenerator setPromptCol(String value) {
    return setParam(promptCol, value);
  }

  public StepwiseGenerator setIdCol(String value) {
    return setParam(idCol, value);
  }

  public StepwiseGenerator setCompletionCol(String value) {
    return setParam(completionCol, value);
  }

  public StepwiseGenerator setTokensCol(String value) {
    return setParam(tokensCol, value);
  }

  public StepwiseGenerator setLogProbsCol(String value) {
    return setParam(logProbsCol, value);
  }

  public StepwiseGenerator setFinishReasonCol(String value) {
    return setParam(finishReasonCol, value);
  }

  public StepwiseGenerator setChat(boolean value) {
    return setParam(chat, value);
  }

  public StepwiseGenerator setMaxNewTokens(int value) {
    return setParam(maxNewTokens, value);
  }

  public StepwiseGenerator setStop(String[] value) {
    return setParam(stop, value);
  }

  public StepwiseGenerator setSeed(long value) {
    return setParam(seed, value);
  }

  public StepwiseGenerator setSampler(String value) {
    return setParam(sampler, value);
  }

  public StepwiseGenerator setTemperature(double value) {
    return setParam(temperature, value);
  }

  public StepwiseGenerator setTopK(int value) {
    return setParam(topK, value);
  }

  public StepwiseGenerator setTopP(double value) {
    return setParam(topP, value);
  }

  public StepwiseGenerator setEdtT0(double value) {
    return setParam(edtT0, value);
  }

  public StepwiseGenerator setEdtTheta(double value) {
    return setParam(edtTheta, value);
  }

  public StepwiseGenerator setEdtN(double value) {
    return setParam(edtN, value);
  }

  @Override
  protected List<StructField> inputs() {
    return List.of(
        DataTypes.createStructField($(promptCol), DataTypes.StringType, true),
        DataTypes.createStructField($(idCol), DataTypes.NullType, true));
  }

  @Override
  protected boolean accepts(StructField wanted, org.apache.spark.sql.types.DataType found) {
    return wanted.name().equals($(idCol)) || super.accepts(wanted, found); // any id type
  }

  @Override
  protected List<StructField> outputs() {
    return List.of(
        DataTypes.createStructField($(completionCol), DataTypes.StringType, true),
        DataTypes.createStructField(
            $(tokensCol), DataTypes.createArrayType(DataTypes.IntegerType, false), true),
        DataTypes.createStructField(
            $(logProbsCol), DataTypes.createArrayType(DataTypes.FloatType, false), true),
        DataTypes.createStructField($(finishReasonCol), DataTypes.StringType, true));
  }

  @Override
  protected Model<Input> model() {
    SamplingConfig sampling =
        new SamplingConfig(
            $(sampler),
            (Double) $(temperature),
            (Integer) $(topK),
            (Double) $(topP),
            (Double) $(edtT0),
            (Double) $(edtTheta),
            (Double) $(edtN));
    sampling.strategy(); // checks the settings here, on the driver
    return new Sample(
        sampling,
        (Boolean) $(chat),
        (Integer) $(maxNewTokens),
        List.of($(stop)),
        (Long) $(seed),
        getBatchSize());
  }

  /** The sampling of one partition's rows. */
  private record Sample(
      SamplingConfig sampling,
      boolean chat,
      int maxNewTokens,
      List<String> stop,
      long seed,
      int batchSize)
      implements Model<Input> {

    @Override
    public Input input(ExecutorModels.Loaded loaded, Object[] values) {
      String prompt = (String) values[0];
      if (prompt == null) throw new IllegalArgumentException("the prompt is null");
      if (values[1] == null) throw new IllegalArgumentException("the row id is null");
      int[] ids = chat ? loaded.chat().prompt(prompt) : loaded.tokenizer().encode(prompt);
      if (ids.length == 0) throw new IllegalArgumentException("the prompt encodes to no tokens");
      long key = String.valueOf(values[1]).hashCode(); // as `model generate` seeds a row by id
      return new Input(
          new GenerationRequest(
              ids,
              maxNewTokens,
              Seeds.mix(seed, key),
              sampling.strategy().newRequest(),
              stop,
              Set.of(loaded.chat().eosId())));
    }

    @Override
    public List<Object[]> run(ExecutorModels.Loaded loaded, List<Input> inputs) {
      Generator generator =
          new Generator(loaded.model(), loaded.tokenizer()::decode, null, batchSize);
      List<Object[]> out = new ArrayList<>();
      for (Generation g : generator.generate(inputs.stream().map(Input::request).toList())) {
        out.add(
            new Object[] {
              g.text(),
              CollectionConverters.asScala(Arrays.stream(g.tokens()).boxed().toList()).toList(),
              StepwiseScorer.floats(g.logProbs()),
              g.finishReason().name().toLowerCase(Locale.ROOT)
            });
      }
      return out;
    }
  }
}
