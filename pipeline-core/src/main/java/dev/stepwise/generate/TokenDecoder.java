package dev.stepwise.generate;

/** Turns generated token ids into text; the generator checks stop strings on this text. */
@FunctionalInterface
public interface TokenDecoder {
  String decode(int[] ids);
}
