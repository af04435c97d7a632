package dev.stepwise.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

class JsonSyntaxTest {

  private static String reason(String line) {
    try {
      JsonParser.parseString(line);
    } catch (JsonParseException e) {
      return JsonSyntax.describe(e);
    }
    throw new AssertionError("parsed: " + line);
  }

  @Test
  void saysWhereAndWhatInOneLineWithoutGsonsInternals() {
    assertThat(reason("{\"question\": broken"))
        .isEqualTo("broken JSON at column 20: the line ends inside a value");
    assertThat(reason("{\"question\": \"a\" \"gold\": 1}"))
        .isEqualTo("broken JSON at column 19: unclosed object");
    assertThat(reason("{\"question\": \"unterminated"))
        .isEqualTo("broken JSON at column 27: unclosed string");
    for (String line :
        new String[] {"{\"a\": 1,, \"b\": 2}", "{\"a\" 1}", "[1, 2", "{\"a\": tru e}"}) {
      assertThat(reason(line))
          .as(line)
          .startsWith("broken JSON at column ")
          .doesNotContain("path $", "http", "\n", "Lenient");
    }
  }
}
