package dev.stepwise.io;

/**
 * Conversions between float and the two 16-bit formats, in Java because DJL must never see a BF16
 * array (it aborts the JVM) and Java 17 has no Float.float16ToFloat.
 */
final class Halfs {
  private Halfs() {}

  static float bf16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xffff) << 16);
  }

  /** Round to nearest even, as torch's {@code .to(torch.bfloat16)} does; NaN stays NaN. */
  static short floatToBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
    int rounding = 0x7fff + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }

  static float f16ToFloat(short half) {
    int h = half & 0xffff;
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1f;
    int mant = h & 0x3ff;
    if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    if (exp == 0) {
      if (mant == 0) return Float.intBitsToFloat(sign);
      float value = mant * 0x1p-24f; // subnormal half
      return sign == 0 ? value : -value;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** Round to nearest even; overflow goes to infinity, as torch's {@code .half()} does. */
  static short floatToF16(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = ((bits >>> 23) & 0xff) - 127 + 15;
    int mant = bits & 0x7fffff;
    if (((bits >>> 23) & 0xff) == 0xff) return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
    if (exp >= 0x1f) return (short) (sign | 0x7c00);
    if (exp <= 0) {
      if (exp < -10) return (short) sign;
      mant |= 0x800000;
      int shift = 14 - exp;
      int half = mant >>> shift;
      int rest = mant & ((1 << shift) - 1);
      int midpoint = 1 << (shift - 1);
      if (rest > midpoint || (rest == midpoint && (half & 1) == 1)) half++;
      return (short) (sign | half);
    }
    int half = (exp << 10) | (mant >>> 13);
    int rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) half++;
    return (short) (sign | half);
  }
}
