package dev.stepwise.importers;

import java.io.Serializable;

/**
 * An input row that could not be imported (data-schemas/rejected.avsc, less its partition columns).
 */
public record RejectedRow(String file, long line, String reason, String content)
    implements Serializable {
  static final int MAX_CONTENT_CHARS = 1000;

  static RejectedRow of(String file, long line, String reason, String content) {
    String kept =
        content == null || content.length() <= MAX_CONTENT_CHARS
            ? content
            : content.substring(0, MAX_CONTENT_CHARS);
    return new RejectedRow(file, line, reason, kept);
  }
}
