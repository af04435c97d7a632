package dev.stepwise.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.spark.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {
  @TempDir Path tmp;

  @Test
  void benchmarksAFreshTinyModelAndWritesJson() throws IOException {
    Path json = tmp.resolve("bench.json");
    Cli.Result r = Cli.runLocal("bench", "model", "--contexts", "32,96", "--calls", "40", "--train-steps", "1", "--json", json.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("1 torch thread(s)", "ctx 32", "ctx 96", "batch 16 uncached", "cached step at position 512 vs 32",
        "SFT (batch 32 x 160 tokens)", "RSS growth over 40 generate calls");

    JsonObject result = JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonObject("result");
    assertThat(result.getAsJsonArray("generation")).hasSize(8); // 2 contexts x 2 batches x cached/uncached
    double cached = 0, uncached = 0;
    for (var e : result.getAsJsonArray("generation")) {
      JsonObject t = e.getAsJsonObject();
      assertThat(t.get("tokensPerSecond").getAsDouble()).isPositive();
      if (t.get("batch").getAsInt() == 16 && t.get("context").getAsInt() == 96) {
        if (t.get("cached").getAsBoolean()) cached = t.get("tokensPerSecond").getAsDouble();
        else uncached = t.get("tokensPerSecond").getAsDouble();
      }
    }
    // One new token per row per step against 16 x 96 tokens per full forward: the cache must win clearly.
    assertThat(cached).isGreaterThan(2 * uncached);
    for (String key : new String[] {"stepMillisAt32", "stepMillisAt512", "scoringTokensPerSecond", "sftStepsPerSecond", "dpoStepsPerSecond"}) {
      assertThat(result.get(key).getAsDouble()).as(key).isPositive();
    }
    assertThat(result.get("peakRssKb").getAsLong()).isGreaterThan(result.get("rssEndKb").getAsLong() / 2).isPositive();
    assertThat(result.get("memoryCalls").getAsInt()).isEqualTo(40);
  }
}
