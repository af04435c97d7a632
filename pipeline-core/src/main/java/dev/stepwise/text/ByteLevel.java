package dev.stepwise.text;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's byte-to-unicode table, as HF's ByteLevel pre-tokenizer and decoder use it: every byte
 * maps to one printable character, so a byte-level BPE vocabulary is a set of ordinary strings.
 * Printable Latin-1 bytes map to themselves; the other 68 map to U+0100.. in byte order.
 */
public final class ByteLevel {
  private static final char[] BYTE_TO_CHAR = new char[256];

  static {
    int next = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable =
          (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      BYTE_TO_CHAR[b] = printable ? (char) b : (char) (256 + next++);
    }
  }

  private ByteLevel() {}

  /** The vocabulary symbol of one byte (0..255). */
  public static String symbol(int b) {
    return String.valueOf(BYTE_TO_CHAR[b & 0xFF]);
  }

  /** The byte-level string of a text: its UTF-8 bytes, each mapped to its symbol. */
  public static String encode(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(bytes.length);
    for (byte b : bytes) out.append(BYTE_TO_CHAR[b & 0xFF]);
    return out.toString();
  }
}
