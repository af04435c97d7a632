package dev.stepwise.schemas;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Avro schema to Spark type, for the subset of Avro the .avsc files use. */
final class SparkTypes {
  private SparkTypes() {}

  static StructType structOf(Schema record) {
    List<StructField> fields = new ArrayList<>();
    for (Schema.Field f : record.getFields()) {
      Schema type = f.schema();
      boolean nullable = isNullableUnion(type);
      fields.add(
          DataTypes.createStructField(
              f.name(), dataTypeOf(nullable ? nonNull(type) : type), nullable));
    }
    return DataTypes.createStructType(fields);
  }

  private static DataType dataTypeOf(Schema s) {
    return switch (s.getType()) {
      case STRING, ENUM -> DataTypes.StringType;
      case INT -> DataTypes.IntegerType;
      case LONG -> DataTypes.LongType;
      case FLOAT -> DataTypes.FloatType;
      case DOUBLE -> DataTypes.DoubleType;
      case BOOLEAN -> DataTypes.BooleanType;
      case BYTES -> DataTypes.BinaryType;
      case RECORD -> structOf(s);
      case ARRAY -> {
        boolean nullable = isNullableUnion(s.getElementType());
        yield DataTypes.createArrayType(
            dataTypeOf(nullable ? nonNull(s.getElementType()) : s.getElementType()), nullable);
      }
      case MAP -> {
        boolean nullable = isNullableUnion(s.getValueType());
        yield DataTypes.createMapType(
            DataTypes.StringType,
            dataTypeOf(nullable ? nonNull(s.getValueType()) : s.getValueType()),
            nullable);
      }
      default ->
          throw new IllegalArgumentException(
              "Avro type "
                  + s.getType()
                  + " of "
                  + s.getFullName()
                  + " has no Spark mapping here; use string, int, long, float, double, boolean, bytes, record, array, map or [null, T]");
    };
  }

  private static boolean isNullableUnion(Schema s) {
    return s.getType() == Schema.Type.UNION
        && s.getTypes().size() == 2
        && s.getTypes().stream().anyMatch(t -> t.getType() == Schema.Type.NULL);
  }

  private static Schema nonNull(Schema union) {
    return union.getTypes().stream()
        .filter(t -> t.getType() != Schema.Type.NULL)
        .findFirst()
        .orElseThrow();
  }

  /** Equal types, ignoring nullability at every level. */
  static boolean sameIgnoringNullability(DataType a, DataType b) {
    if (a instanceof StructType sa && b instanceof StructType sb) {
      if (sa.fields().length != sb.fields().length) return false;
      for (int i = 0; i < sa.fields().length; i++) {
        if (!sa.fields()[i].name().equals(sb.fields()[i].name())
            || !sameIgnoringNullability(sa.fields()[i].dataType(), sb.fields()[i].dataType()))
          return false;
      }
      return true;
    }
    if (a instanceof ArrayType aa && b instanceof ArrayType ab) {
      return sameIgnoringNullability(aa.elementType(), ab.elementType());
    }
    if (a instanceof MapType ma && b instanceof MapType mb) {
      return sameIgnoringNullability(ma.keyType(), mb.keyType())
          && sameIgnoringNullability(ma.valueType(), mb.valueType());
    }
    return a.equals(b);
  }
}
