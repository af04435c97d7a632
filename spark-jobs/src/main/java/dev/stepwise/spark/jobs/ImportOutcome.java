package dev.stepwise.spark.jobs;

import dev.stepwise.importers.ParsedFile;
import dev.stepwise.importers.PromptRow;
import dev.stepwise.importers.RejectedRow;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import scala.jdk.javaapi.CollectionConverters;

/** One input row's fate: a prompt, or a rejection with the source and split of its import. */
record ImportOutcome(PromptRow prompt, RejectedRow rejected, String source, String split) implements Serializable {

  static List<ImportOutcome> of(ParsedFile parsed, String source, String split) {
    List<ImportOutcome> out = new ArrayList<>(parsed.prompts().size() + parsed.rejected().size());
    for (PromptRow p : parsed.prompts()) out.add(new ImportOutcome(p, null, source, split));
    for (RejectedRow r : parsed.rejected()) out.add(new ImportOutcome(null, r, source, split));
    return out;
  }

  /** A row of data-schemas/prompts.avsc (Spark wants a Scala map for a MAP column). */
  Row promptRow() {
    PromptRow p = prompt;
    return RowFactory.create(p.id(), p.source(), p.split(), p.lang(), p.question(), p.gold(), p.solution(),
        p.parallelId(), CollectionConverters.asScala(p.original()));
  }

  /** A row of data-schemas/rejected.avsc. */
  Row rejectedRow() {
    return RowFactory.create("prompts", source, split, rejected.file(), rejected.line(), rejected.reason(),
        rejected.content());
  }
}
