package dev.stepwise.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.avro.Schema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class DatasetsTest {

  @Test
  void everyDatasetParsesAndEveryFieldIsDocumented() {
    for (String name : Datasets.NAMES) {
      DatasetSchema schema = Datasets.get(name);
      assertThat(schema.avro().getDoc()).as(name).isNotBlank();
      assertDocumented(name, schema.avro());
      assertThat(schema.sparkType().fieldNames())
          .as(name)
          .hasSize(schema.avro().getFields().size());
    }
  }

  private static void assertDocumented(String where, Schema record) {
    for (Schema.Field f : record.getFields()) {
      assertThat(f.doc()).as(where + "." + f.name()).isNotBlank();
      Schema s = f.schema();
      if (s.getType() == Schema.Type.ARRAY && s.getElementType().getType() == Schema.Type.RECORD) {
        assertDocumented(where + "." + f.name(), s.getElementType());
      }
    }
  }

  @Test
  void roundDatasetsArePartitionedByRound() {
    for (String name :
        new String[] {
          Datasets.SOLUTIONS,
          Datasets.STEP_JUDGMENTS,
          Datasets.STEP_PAIRS,
          Datasets.EVAL_RESULTS,
          Datasets.NEURON_STATS,
          Datasets.SEARCH_TRACES
        }) {
      DatasetSchema schema = Datasets.get(name);
      assertThat(schema.partitionBy()).as(name).containsExactly("round");
      assertThat(schema.sparkType().apply("round").dataType()).isEqualTo(DataTypes.IntegerType);
    }
  }

  @Test
  void stepPairsKeepStepDpoColumnNames() {
    assertThat(Datasets.get(Datasets.STEP_PAIRS).sparkType().fieldNames())
        .contains(
            "prompt",
            "initial_reason_steps",
            "chosen",
            "rejected",
            "full_chosen",
            "full_rejected",
            "answer",
            "chosen_wins",
            "rejected_wins",
            "ref_chosen_logp",
            "ref_rejected_logp",
            "ref_model_id");
  }

  @Test
  void avroTypesMapToSparkTypes() {
    StructType prompts = Datasets.get(Datasets.PROMPTS).sparkType();
    assertThat(prompts.apply("gold").nullable()).isTrue();
    assertThat(prompts.apply("question").nullable()).isFalse();
    assertThat(prompts.apply("original").dataType())
        .isEqualTo(DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, false));
    StructType judgments = Datasets.get(Datasets.STEP_JUDGMENTS).sparkType();
    assertThat(judgments.apply("comparisons").dataType().simpleString())
        .isEqualTo(
            "array<struct<opponent_index:int,candidate_first:boolean,verdict:string,judge_text:string,verdict_prob:double>>");
  }

  @Test
  void mismatchNamesColumnExpectedAndFoundType() {
    DatasetSchema prompts = Datasets.get(Datasets.PROMPTS);
    StructType wrong = new StructType();
    for (var f : prompts.sparkType().fields()) {
      if (f.name().equals("gold")) wrong = wrong.add("gold", DataTypes.LongType);
      else if (!f.name().equals("lang")) wrong = wrong.add(f);
    }
    wrong = wrong.add("extra", DataTypes.IntegerType);
    StructType found = wrong;
    assertThatThrownBy(() -> prompts.requireMatches("/tmp/x", found))
        .isInstanceOf(SchemaMismatchException.class)
        .hasMessageContaining("column 'gold' has type bigint, expected string")
        .hasMessageContaining("column 'lang' is missing (expected string)")
        .hasMessageContaining("column 'extra' (int) is not in the prompts schema")
        .hasMessageContaining("/tmp/x");
  }

  @Test
  void nullabilityIsNotCompared() {
    DatasetSchema prompts = Datasets.get(Datasets.PROMPTS);
    prompts.requireMatches("here", prompts.sparkType().asNullable());
  }

  @Test
  void unknownDatasetListsKnownOnes() {
    assertThatThrownBy(() -> Datasets.get("promts"))
        .hasMessageContaining("unknown dataset 'promts'")
        .hasMessageContaining("prompts");
  }
}
