package dev.stepwise.schemas;

import java.util.Arrays;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Rows built by column name and checked against their type as they are built, the one way the jobs
 * make rows: {@code Rows.of(schema).set("prompt_id", id).set("round", round)...build()}. An unknown
 * column, a column set twice or never, a null in a non-nullable column, or a value of the wrong
 * Java type (a Long for an int column) fails at once, naming the column; rows built by position let
 * two swapped columns of one type through unnoticed.
 */
public final class Rows {

  private Rows() {}

  /** A builder of one row of the registered dataset {@code schema}. */
  public static Builder of(DatasetSchema schema) {
    return new Builder(schema.name(), schema.sparkType());
  }

  /**
   * A builder of one row of {@code type}, called {@code name} in messages (a struct column, a job's
   * items).
   */
  public static Builder of(String name, StructType type) {
    return new Builder(name, type);
  }

  /** A builder of one element of {@code schema}'s array-of-struct column {@code column}. */
  public static Builder element(DatasetSchema schema, String column) {
    DataType type = schema.sparkType().apply(column).dataType();
    if (!(type instanceof ArrayType array && array.elementType() instanceof StructType element)) {
      throw new IllegalArgumentException(
          schema.name() + "." + column + " is not an array of structs");
    }
    return new Builder(schema.name() + "." + column, element);
  }

  public static final class Builder {
    private final String name;
    private final StructType type;
    private final Object[] values;
    private final boolean[] set;

    private Builder(String name, StructType type) {
      this.name = name;
      this.type = type;
      this.values = new Object[type.size()];
      this.set = new boolean[type.size()];
    }

    /**
     * Sets {@code column} to {@code value}: a String, Integer, Long, Double, Float, Boolean,
     * byte[], List or Seq, Map or Row as its type says.
     */
    public Builder set(String column, Object value) {
      int index = indexOf(column);
      if (set[index]) throw mismatch("column '" + column + "' is set twice");
      StructField field = type.fields()[index];
      if (value == null) {
        if (!field.nullable())
          throw mismatch("column '" + column + "' is not nullable but was set to null");
      } else {
        String problem = problem(field.dataType(), value);
        if (problem != null) throw mismatch("column '" + column + "' " + problem);
      }
      values[index] = value;
      set[index] = true;
      return this;
    }

    /**
     * Sets every column of this row's type from the same-named column of {@code row}, for a copy
     * with a few changes.
     */
    public Builder copy(Row row) {
      for (StructField f : type.fields()) {
        set(f.name(), row.get(row.fieldIndex(f.name())));
      }
      return this;
    }

    /** Replaces a column set before (by {@link #copy}). */
    public Builder replace(String column, Object value) {
      set[indexOf(column)] = false;
      return set(column, value);
    }

    public Row build() {
      for (int i = 0; i < set.length; i++) {
        if (!set[i]) throw mismatch("column '" + type.fields()[i].name() + "' was not set");
      }
      return RowFactory.create(values.clone());
    }

    private int indexOf(String column) {
      int index = Arrays.asList(type.fieldNames()).indexOf(column);
      if (index < 0) {
        throw mismatch(
            "has no column '" + column + "' (columns: " + Arrays.toString(type.fieldNames()) + ")");
      }
      return index;
    }

    private SchemaMismatchException mismatch(String problem) {
      return new SchemaMismatchException("a row of " + name + ": " + problem);
    }
  }

  /** Why {@code value} cannot be stored as {@code type}, or null when it can. */
  private static String problem(DataType type, Object value) {
    if (type instanceof ArrayType array) {
      Iterable<?> elements =
          value instanceof scala.collection.Iterable<?> seq
              ? CollectionConverters.asJava(seq)
              : value instanceof Iterable<?> list ? list : null;
      if (elements == null) return wrongType(type, value);
      for (Object element : elements) {
        String problem =
            element == null
                ? (array.containsNull() ? null : "has a null element")
                : problem(array.elementType(), element);
        if (problem != null) return problem;
      }
      return null;
    }
    if (type instanceof MapType map) {
      Map<?, ?> entries =
          value instanceof scala.collection.Map<?, ?> m
              ? CollectionConverters.asJava(m)
              : value instanceof Map<?, ?> m ? m : null;
      if (entries == null) return wrongType(type, value);
      for (Map.Entry<?, ?> e : entries.entrySet()) {
        String problem = e.getKey() == null ? "has a null key" : problem(map.keyType(), e.getKey());
        if (problem == null && e.getValue() != null)
          problem = problem(map.valueType(), e.getValue());
        if (problem != null) return problem;
      }
      return null;
    }
    if (type instanceof StructType struct) {
      return value instanceof Row row && row.length() == struct.size()
          ? null
          : wrongType(type, value);
    }
    Class<?> expected = javaClass(type);
    return expected.isInstance(value) ? null : wrongType(type, value);
  }

  private static String wrongType(DataType type, Object value) {
    return "is "
        + type.simpleString()
        + " but was given a "
        + value.getClass().getSimpleName()
        + " ("
        + value
        + ")";
  }

  private static Class<?> javaClass(DataType type) {
    if (type.equals(DataTypes.StringType)) return String.class;
    if (type.equals(DataTypes.IntegerType)) return Integer.class;
    if (type.equals(DataTypes.LongType)) return Long.class;
    if (type.equals(DataTypes.DoubleType)) return Double.class;
    if (type.equals(DataTypes.FloatType)) return Float.class;
    if (type.equals(DataTypes.BooleanType)) return Boolean.class;
    if (type.equals(DataTypes.BinaryType)) return byte[].class;
    throw new IllegalArgumentException("no Java type for Spark type " + type.simpleString());
  }
}
