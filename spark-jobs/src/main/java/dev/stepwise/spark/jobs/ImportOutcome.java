package dev.stepwise.spark.jobs;

import dev.stepwise.importers.ParsedFile;
import dev.stepwise.importers.PromptRow;
import dev.stepwise.importers.RejectedRow;
import dev.stepwise.schemas.Datasets;
import dev.stepwise.schemas.Rows;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import scala.jdk.javaapi.CollectionConverters;

/** One input row's fate: a prompt, or a rejection with the source and split of its import. */
record ImportOutcome(PromptRow prompt, RejectedRow rejected, String source, String split)
    implements Serializable {

  static List<ImportOutcome> of(ParsedFile parsed, String source, String split) {
    List<ImportOutcome> out = new ArrayList<>(parsed.prompts().size() + parsed.rejected().size());
    for (PromptRow p : parsed.prompts()) out.add(new ImportOutcome(p, null, source, split));
    for (RejectedRow r : parsed.rejected()) out.add(new ImportOutcome(null, r, source, split));
    return out;
  }

  /** A row of data-schemas/prompts.avsc (Spark wants a Scala map for a MAP column). */
  Row promptRow() {
    PromptRow p = prompt;
    return Rows.of(Datasets.get(Datasets.PROMPTS))
        .set("id", p.id())
        .set("source", p.source())
        .set("split", p.split())
        .set("lang", p.lang())
        .set("question", p.question())
        .set("gold", p.gold())
        .set("solution", p.solution())
        .set("parallel_id", p.parallelId())
        .set("original", CollectionConverters.asScala(p.original()))
        .build();
  }

  /** A row of data-schemas/rejected.avsc. */
  Row rejectedRow() {
    return Rows.of(Datasets.get(Datasets.REJECTED))
        .set("dataset", Datasets.PROMPTS)
        .set("source", source)
        .set("split", split)
        .set("file", rejected.file())
        .set("line", rejected.line())
        .set("reason", rejected.reason())
        .set("content", rejected.content())
        .build();
  }
}
