package dev.stepwise.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

class RowsTest {

  static Rows.Builder rejected() {
    return Rows.of(Datasets.get(Datasets.REJECTED))
        .set("dataset", "prompts")
        .set("source", "gsm8k")
        .set("split", "test")
        .set("file", "test.jsonl")
        .set("line", 7L)
        .set("reason", "no gold");
  }

  @Test
  void aRowIsBuiltInSchemaOrderWhateverTheOrderOfSet() {
    Row row =
        Rows.of(Datasets.get(Datasets.REJECTED))
            .set("content", "{}")
            .set("line", 7L)
            .set("reason", "no gold")
            .set("split", "test")
            .set("file", "test.jsonl")
            .set("source", "gsm8k")
            .set("dataset", "prompts")
            .build();
    assertThat(row)
        .isEqualTo(
            Row.fromSeq(
                CollectionConverters.asScala(
                        List.<Object>of(
                            "prompts", "gsm8k", "test", "test.jsonl", 7L, "no gold", "{}"))
                    .toSeq()));
    assertThat(rejected().set("content", null).build().isNullAt(6)).isTrue(); // content is nullable
  }

  @Test
  void anUnknownMissingDoubleOrMistypedColumnIsAnErrorNamingIt() {
    assertThatThrownBy(() -> rejected().set("contents", "{}"))
        .isInstanceOf(SchemaMismatchException.class)
        .hasMessageStartingWith(
            "a row of rejected: has no column 'contents' (columns: [dataset, source, split, file, line, reason, content])");
    assertThatThrownBy(() -> rejected().build())
        .isInstanceOf(SchemaMismatchException.class)
        .hasMessage("a row of rejected: column 'content' was not set");
    assertThatThrownBy(() -> rejected().set("source", "mgsm"))
        .hasMessage("a row of rejected: column 'source' is set twice");
    // An int where the schema has a long: by position, Spark would only fail when the job runs.
    assertThatThrownBy(() -> Rows.of(Datasets.get(Datasets.REJECTED)).set("line", 7))
        .hasMessage("a row of rejected: column 'line' is bigint but was given a Integer (7)");
    assertThatThrownBy(() -> Rows.of(Datasets.get(Datasets.REJECTED)).set("reason", null))
        .hasMessage("a row of rejected: column 'reason' is not nullable but was set to null");
  }

  @Test
  void arraysMapsAndStructsAreCheckedElementByElement() {
    DatasetSchema judgments = Datasets.get(Datasets.STEP_JUDGMENTS);
    Row comparison =
        Rows.element(judgments, "comparisons")
            .set("opponent_index", 2)
            .set("candidate_first", true)
            .set("verdict", "win")
            .set("judge_text", "[[A]]")
            .set("verdict_prob", null)
            .build();
    assertThat(comparison.getInt(0)).isEqualTo(2);
    assertThatThrownBy(() -> Rows.of(judgments).set("comparisons", List.of(comparison, "win")))
        .hasMessage(
            "a row of step_judgments: column 'comparisons' is struct<opponent_index:int,candidate_first:boolean,"
                + "verdict:string,judge_text:string,verdict_prob:double> but was given a String (win)");
    assertThatThrownBy(() -> Rows.of(judgments).set("prefix_steps", List.of("Step 1: 2+2=4", 5)))
        .hasMessage(
            "a row of step_judgments: column 'prefix_steps' is string but was given a Integer (5)");
    assertThatThrownBy(
            () -> Rows.of(Datasets.get(Datasets.PROMPTS)).set("original", Map.of("k", 1)))
        .hasMessage("a row of prompts: column 'original' is string but was given a Integer (1)");
    assertThat(Rows.of(Datasets.get(Datasets.PROMPTS)).set("original", Map.of("k", "v")))
        .isNotNull();
  }

  @Test
  void aCopyReplacesColumnsByName() {
    Row original = rejected().set("content", "{}").build();
    Object[] values = new Object[original.length()];
    for (int i = 0; i < values.length; i++) values[i] = original.get(i);
    Row withSchema = new GenericRowWithSchema(values, Datasets.get(Datasets.REJECTED).sparkType());
    Row copy =
        Rows.of(Datasets.get(Datasets.REJECTED))
            .copy(withSchema)
            .replace("reason", "too long")
            .build();
    assertThat(copy.getString(5)).isEqualTo("too long");
    assertThat(copy.getLong(4)).isEqualTo(7L);
  }
}
