package dev.stepwise.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DataDictionaryTest {
  private static final Path COMMITTED = Path.of("README.md");

  @Test
  void committedDictionaryMatchesTheSchemas() throws Exception {
    if (Boolean.getBoolean("stepwise.schemas.write")) {
      DataDictionary.write(COMMITTED);
    }
    String expected = DataDictionary.render();
    String committed =
        Files.exists(COMMITTED) ? Files.readString(COMMITTED, StandardCharsets.UTF_8) : "";
    assertThat(committed)
        .as(
            "data-schemas/README.md is out of date with the .avsc files; regenerate it with "
                + "mvn -B -q -pl data-schemas test -Dtest=DataDictionaryTest -Dstepwise.schemas.write=true")
        .isEqualTo(expected);
  }

  @Test
  void everyDatasetHasASectionEveryColumnARowAndAnExample() {
    String md = DataDictionary.render();
    for (String name : Datasets.NAMES) {
      DatasetSchema schema = Datasets.get(name);
      assertThat(md).contains("## " + name + "\n");
      for (String column : schema.sparkType().fieldNames()) {
        assertThat(md).as(name + "." + column).contains("| `" + column + "` |");
      }
      if (!name.equals(
          Datasets.SEARCH_TRACES)) { // no stage writes it yet, so it has no real row to show
        assertThat(schema.avro().getObjectProp("example"))
            .as(name + " has an example row")
            .isNotNull();
      }
    }
  }

  @Test
  void typesUseSparkSpellingAndMarkNullableColumns() {
    String md = DataDictionary.render();
    assertThat(md).contains("| `gold` | string, nullable |");
    assertThat(md).contains("| `round` | int |");
    assertThat(md).contains("| `steps` | array&lt;string&gt; |");
  }
}
