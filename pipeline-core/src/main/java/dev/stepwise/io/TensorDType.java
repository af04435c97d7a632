package dev.stepwise.io;

/** The safetensors dtypes stepwise reads and writes; all are widened to F32 on read. */
public enum TensorDType {
  F32(4),
  F16(2),
  BF16(2);

  public final int bytes;

  TensorDType(int bytes) {
    this.bytes = bytes;
  }

  /** Parses a safetensors dtype string ("F32", "F16", "BF16"), or a torch_dtype name. */
  public static TensorDType parse(String name) {
    return switch (name) {
      case "F32", "float32" -> F32;
      case "F16", "float16" -> F16;
      case "BF16", "bfloat16" -> BF16;
      default ->
          throw new IllegalArgumentException(
              "dtype '" + name + "' is not supported; expected F32, F16 or BF16");
    };
  }

  /** The HF {@code torch_dtype} name. */
  public String torchName() {
    return switch (this) {
      case F32 -> "float32";
      case F16 -> "float16";
      case BF16 -> "bfloat16";
    };
  }
}
