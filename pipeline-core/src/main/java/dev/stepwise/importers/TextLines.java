package dev.stepwise.importers;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a file's bytes into numbered lines and decodes each as strict UTF-8, so one bad byte
 * rejects its line, not the file. A final newline ends the last line; it does not start an empty
 * one.
 */
final class TextLines {
  /** A line: its 1-based number and text, or the reason it is not valid UTF-8. */
  record Line(long number, String text, String error) {}

  private TextLines() {}

  static List<Line> split(byte[] bytes) {
    List<Line> lines = new ArrayList<>();
    int start = 0;
    long number = 1;
    for (int i = 0; i <= bytes.length; i++) {
      if (i == bytes.length && start == bytes.length) break;
      if (i == bytes.length || bytes[i] == '\n') {
        int end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
        lines.add(decode(number++, bytes, start, end - start));
        start = i + 1;
      }
    }
    return lines;
  }

  private static Line decode(long number, byte[] bytes, int offset, int length) {
    ByteBuffer slice = ByteBuffer.wrap(bytes, offset, length);
    try {
      String text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(slice)
              .toString();
      return new Line(number, text, null);
    } catch (CharacterCodingException e) {
      String lossy = new String(bytes, offset, length, StandardCharsets.UTF_8);
      return new Line(number, lossy, "line is not valid UTF-8");
    }
  }
}
