package dev.stepwise.importers;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** What one input file yielded: the rows that imported and the ones that did not. */
public record ParsedFile(List<PromptRow> prompts, List<RejectedRow> rejected)
    implements Serializable {
  public ParsedFile() {
    this(new ArrayList<>(), new ArrayList<>());
  }
}
