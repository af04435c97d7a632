package dev.stepwise.importers;

/**
 * Imports a line-oriented text file: every line becomes a prompts row or a rejected row, never
 * nothing.
 */
public final class TextImporter {
  private TextImporter() {}

  public static ParsedFile parse(String file, byte[] bytes, RecordParser parser, ImportSpec spec) {
    PromptBuilder builder = new PromptBuilder(spec);
    ParsedFile out = new ParsedFile();
    for (TextLines.Line line : TextLines.split(bytes)) {
      if (line.error() != null) {
        out.rejected().add(RejectedRow.of(file, line.number(), line.error(), line.text()));
        continue;
      }
      try {
        if (line.text().isBlank()) throw new IllegalArgumentException("empty line");
        out.prompts().add(builder.build(parser.fields(line.text()), line.number()));
      } catch (IllegalArgumentException e) {
        out.rejected().add(RejectedRow.of(file, line.number(), e.getMessage(), line.text()));
      }
    }
    return out;
  }
}
