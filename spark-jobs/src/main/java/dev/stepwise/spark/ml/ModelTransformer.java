package dev.stepwise.spark.ml;

import dev.stepwise.spark.runtime.ExecutorModels;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

/**
 * What the stepwise Spark ML transformers share: a checkpoint loaded once per executor JVM through
 * {@link ExecutorModels} (on the task's GPU, or failing loudly when the engine cannot use it), rows
 * run through the model {@code batchSize} at a time per partition, and per-row failures written to
 * an error column instead of failing the partition. A row whose error column is already set (by an
 * earlier stage of the pipeline) passes through untouched, so the first error a row met stays.
 *
 * @param <T> the concrete transformer, which its setters return
 * @param <I> one row's model input
 */
public abstract class ModelTransformer<T extends ModelTransformer<T, I>, I> extends Transformer
    implements DefaultParamsWritable {

  private final String uid;
  private final Param<String> modelPath;
  private final IntParam batchSize;
  private final Param<String> errorCol;

  protected ModelTransformer(String uid) {
    this.uid = uid;
    modelPath =
        new Param<>(
            this, "modelPath", "HF checkpoint directory (any Hadoop URI) with its tokenizer");
    batchSize =
        new IntParam(
            this, "batchSize", "rows per model batch in a partition", ParamValidators.gtEq(1));
    errorCol =
        new Param<>(this, "errorCol", "output column: why a row failed, null when it did not");
    setDefault(batchSize, 16);
    setDefault(errorCol, "error");
  }

  @Override
  public String uid() {
    return uid;
  }

  public final Param<String> modelPath() {
    return modelPath;
  }

  public final IntParam batchSize() {
    return batchSize;
  }

  public final Param<String> errorCol() {
    return errorCol;
  }

  public int getBatchSize() {
    return (Integer) $(batchSize);
  }

  public T setModelPath(String value) {
    return setParam(modelPath, value);
  }

  public T setBatchSize(int value) {
    return setParam(batchSize, value);
  }

  public T setErrorCol(String value) {
    return setParam(errorCol, value);
  }

  /** Sets a param and returns this transformer, for the setters of subclasses. */
  @SuppressWarnings("unchecked")
  protected final <V> T setParam(Param<V> param, V value) {
    set(param, value);
    return (T) this;
  }

  /** The input columns (name and the types accepted), in the order {@link Model#input} reads. */
  protected abstract List<StructField> inputs();

  /** The columns this transformer adds, before the error column. */
  protected abstract List<StructField> outputs();

  /** The per-row work, with this transformer's param values in it (it travels to executors). */
  protected abstract Model<I> model();

  /** The per-row work of a transformer, run on the executors. */
  protected interface Model<I> extends Serializable {
    /**
     * One row's input, from the values of {@link #inputs()}; a bad row throws (its message goes to
     * the error column).
     */
    I input(ExecutorModels.Loaded loaded, Object[] values);

    /** The output column values of each input, in order. */
    List<Object[]> run(ExecutorModels.Loaded loaded, List<I> inputs);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    if (!isDefined(modelPath) || $(modelPath).isBlank())
      throw new IllegalArgumentException(getClass().getSimpleName() + ": set modelPath");
    List<String> names = Arrays.asList(schema.fieldNames());
    for (StructField in : inputs()) {
      if (!names.contains(in.name()))
        throw new IllegalArgumentException(
            getClass().getSimpleName()
                + ": input column '"
                + in.name()
                + "' is not in the dataset (columns: "
                + String.join(", ", names)
                + ")");
      DataType found = schema.apply(in.name()).dataType();
      if (!accepts(in, found))
        throw new IllegalArgumentException(
            getClass().getSimpleName()
                + ": input column '"
                + in.name()
                + "' must be "
                + in.dataType().simpleString()
                + ", found "
                + found.simpleString());
    }
    StructType out = schema;
    for (StructField o : outputs()) {
      if (names.contains(o.name()))
        throw new IllegalArgumentException(
            getClass().getSimpleName()
                + ": output column '"
                + o.name()
                + "' is already in the dataset; choose another name");
      out = out.add(o);
    }
    String error = $(errorCol);
    if (!names.contains(error)) return out.add(error, DataTypes.StringType, true);
    if (!schema.apply(error).dataType().equals(DataTypes.StringType))
      throw new IllegalArgumentException(
          getClass().getSimpleName() + ": error column '" + error + "' must be a string column");
    return out;
  }

  /** Whether an input column of type {@code found} serves {@code wanted}; subclasses widen it. */
  protected boolean accepts(StructField wanted, DataType found) {
    return wanted.dataType().equals(found);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType in = dataset.schema();
    StructType out = transformSchema(in);
    int[] columns = inputs().stream().mapToInt(f -> in.fieldIndex(f.name())).toArray();
    List<String> names = Arrays.asList(in.fieldNames());
    int errorAt = names.indexOf($(errorCol)); // -1: a new last column
    Partition<I> partition =
        new Partition<>(
            model(),
            $(modelPath),
            getBatchSize(),
            columns,
            outputs().size(),
            errorAt,
            new SerializableConfiguration(
                dataset.sparkSession().sparkContext().hadoopConfiguration()));
    return dataset
        .toDF()
        .mapPartitions((MapPartitionsFunction<Row, Row>) partition::rows, Encoders.row(out));
  }

  /** One partition's rows through the model, a batch at a time, lazily. */
  private record Partition<I>(
      Model<I> model,
      String modelPath,
      int batchSize,
      int[] columns,
      int outputs,
      int errorAt,
      SerializableConfiguration hadoop)
      implements Serializable {

    Iterator<Row> rows(Iterator<Row> rows) {
      if (!rows.hasNext()) return Collections.emptyIterator();
      // Not per row: a model that cannot load, or a GPU the engine cannot use, fails the task.
      ExecutorModels.Loaded loaded = ExecutorModels.get(modelPath, hadoop.value());
      return new Iterator<>() {
        final Deque<Row> ready = new ArrayDeque<>();

        @Override
        public boolean hasNext() {
          if (ready.isEmpty() && rows.hasNext()) ready.addAll(batch(loaded, rows));
          return !ready.isEmpty();
        }

        @Override
        public Row next() {
          if (!hasNext()) throw new NoSuchElementException();
          return ready.poll();
        }
      };
    }

    /** The next {@code batchSize} rows with their outputs or errors. */
    private List<Row> batch(ExecutorModels.Loaded loaded, Iterator<Row> rows) {
      List<Row> batch = new ArrayList<>();
      Object[][] outs = new Object[batchSize][];
      String[] errors = new String[batchSize];
      List<I> inputs = new ArrayList<>();
      List<Integer> at = new ArrayList<>();
      while (batch.size() < batchSize && rows.hasNext()) {
        Row row = rows.next();
        int i = batch.size();
        batch.add(row);
        if (errorAt >= 0 && !row.isNullAt(errorAt)) continue; // failed in an earlier stage
        Object[] values = new Object[columns.length];
        for (int c = 0; c < columns.length; c++) values[c] = row.get(columns[c]);
        try {
          inputs.add(model.input(loaded, values));
          at.add(i);
        } catch (RuntimeException e) {
          errors[i] = reason(e);
        }
      }
      run(loaded, inputs, at, outs, errors);
      List<Row> done = new ArrayList<>();
      for (int i = 0; i < batch.size(); i++)
        done.add(withOutputs(batch.get(i), outs[i], errors[i]));
      return done;
    }

    /**
     * Runs the inputs as one batch; when the batch fails, each input alone, so that only the rows
     * that fail get an error.
     */
    private void run(
        ExecutorModels.Loaded loaded,
        List<I> inputs,
        List<Integer> at,
        Object[][] outs,
        String[] errors) {
      if (inputs.isEmpty()) return;
      try {
        List<Object[]> results = model.run(loaded, inputs);
        for (int k = 0; k < inputs.size(); k++) outs[at.get(k)] = results.get(k);
      } catch (RuntimeException batchFailure) {
        for (int k = 0; k < inputs.size(); k++) {
          try {
            outs[at.get(k)] = model.run(loaded, List.of(inputs.get(k))).get(0);
          } catch (RuntimeException e) {
            errors[at.get(k)] = reason(e);
          }
        }
      }
    }

    /** A row's error: the failure's first line, or its class when it has no message. */
    private static String reason(RuntimeException e) {
      return e.getMessage() == null
          ? e.getClass().getSimpleName()
          : e.getMessage().lines().findFirst().orElse("").strip();
    }

    private Row withOutputs(Row row, Object[] out, String error) {
      int width = row.length() + outputs + (errorAt < 0 ? 1 : 0);
      Object[] values = new Object[width];
      for (int c = 0; c < row.length(); c++) values[c] = row.get(c);
      if (out != null) System.arraycopy(out, 0, values, row.length(), outputs);
      if (errorAt < 0) values[width - 1] = error;
      else if (error != null) values[errorAt] = error;
      return RowFactory.create(values);
    }
  }
}
