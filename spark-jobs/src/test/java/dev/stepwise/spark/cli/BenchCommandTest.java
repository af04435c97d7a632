package dev.stepwise.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.spark.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {
  @TempDir Path tmp;

  @Test
  void benchmarksAFreshTinyModelAndWritesJson() throws IOException {
    Path json = tmp.resolve("bench.json");
    Cli.Result r =
        Cli.runLocal(
            "bench",
            "model",
            "--contexts",
            "32,96",
            "--calls",
            "40",
            "--train-steps",
            "1",
            "--dpo-pairs",
            "2",
            "--dpo-micro-pairs",
            "1",
            "--dpo-tokens",
            "40",
            "--json",
            json.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        .contains(
            "1 torch thread(s)",
            "ctx 32",
            "ctx 96",
            "batch 16 uncached",
            "cached step at position 512 vs 32",
            "SFT (batch 32 x 160 tokens)",
            "RSS growth over 40 generate calls");
    // Each part is printed as it finishes, with its own peak RSS, before the summary.
    Matcher part =
        Pattern.compile(
                "(?m)^  SFT step, batch 32 x 160 tokens +([0-9.]+) steps/s +[0-9.]+ s, peak RSS +([0-9,]+) MB$")
            .matcher(r.out());
    assertThat(part.find()).as(r.out()).isTrue();
    assertThat(Double.parseDouble(part.group(1))).isPositive();
    assertThat(r.out().indexOf("decoding batch 16 uncached, context 96"))
        .isPositive()
        .isLessThan(r.out().indexOf("summary:"));

    JsonObject result =
        JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonObject("result");
    assertThat(result.getAsJsonArray("generation"))
        .hasSize(8); // 2 contexts x 2 batches x cached/uncached
    double cached = 0, uncached = 0;
    for (var e : result.getAsJsonArray("generation")) {
      JsonObject t = e.getAsJsonObject();
      assertThat(t.get("tokensPerSecond").getAsDouble()).isPositive();
      if (t.get("batch").getAsInt() == 16 && t.get("context").getAsInt() == 96) {
        if (t.get("cached").getAsBoolean()) cached = t.get("tokensPerSecond").getAsDouble();
        else uncached = t.get("tokensPerSecond").getAsDouble();
      }
    }
    // One new token per row per step against 16 x 96 tokens per full forward: the cache must win
    // clearly.
    assertThat(cached).isGreaterThan(2 * uncached);
    for (String key :
        new String[] {
          "stepMillisAt32",
          "stepMillisAt512",
          "scoringTokensPerSecond",
          "sftStepsPerSecond",
          "dpoStepsPerSecond"
        }) {
      assertThat(result.get(key).getAsDouble()).as(key).isPositive();
    }
    assertThat(result.get("peakRssKb").getAsLong())
        .isGreaterThan(result.get("rssEndKb").getAsLong() / 2)
        .isPositive();
    assertThat(result.get("memoryCalls").getAsInt()).isEqualTo(40);
    // load, 8 decoding figures, decoding layer by layer, weight products, latency, scoring, RSS
    // calls, LoRA SFT, LoRA DPO without and with activation checkpointing, SFT, DPO
    assertThat(result.getAsJsonArray("parts")).hasSize(19);
    assertThat(r.out())
        .contains(
            "DPO step, 2 pairs x 2 x 40 tokens as 2 micro-batches",
            "LoRA r=8 DPO step, 2 pairs x 2 x 40 tokens as 2 micro-batches, checkpointed",
            "batch 16: weight products alone allow",
            "batch 1: engine calls layer by layer",
            "LoRA r=8 SFT step, batch 32 x 160 tokens");
    assertThat(result.getAsJsonArray("layerByLayerTokensPerSecond")).hasSize(2);
    for (var t : result.getAsJsonArray("layerByLayerTokensPerSecond"))
      assertThat(t.getAsDouble()).isPositive();
    assertThat(result.getAsJsonArray("projectionMillis")).hasSize(2);
    for (var ms : result.getAsJsonArray("projectionMillis"))
      assertThat(ms.getAsDouble()).isPositive();
  }

  @Test
  void judgeAndPipelineTakeTheCommonConfigOptions() {
    for (String bench : new String[] {"judge", "pipeline"}) {
      Cli.Result r = Cli.runLocal("bench", bench, "--set", "stepwise.search.no_such_key=1");
      assertThat(r.exitCode()).as(bench).isEqualTo(1);
      assertThat(r.err()).as(bench).contains("no_such_key");
    }
  }

  @Test
  void judgesSyntheticAndOwnStepPairsOfTheShippedM1() {
    Cli.Result r = Cli.runLocal("bench", "judge", "--problems", "30");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Matcher header =
        Pattern.compile(
                "bench judge: 30 synthetic pairs, (\\d+) pairs of .*tiny-m1's own candidate steps")
            .matcher(r.out());
    assertThat(header.find()).as(r.out()).isTrue();
    assertThat(Integer.parseInt(header.group(1)))
        .isBetween(1, 29); // the shipped M1 errs on some steps at T = 1.0, not all
    Matcher row =
        Pattern.compile("tiny-m1\\s+generate\\s+(\\d+\\.\\d)%\\s+(\\d+\\.\\d)%").matcher(r.out());
    assertThat(row.find()).as(r.out()).isTrue();
    // The shipped M1's judge is well above chance on synthetic pairs (81% on 400 in eval.json).
    assertThat(Double.parseDouble(row.group(1))).isGreaterThan(60.0);
    // The forced choice is measured on the same pairs, with its time and pairs/s.
    Matcher forced =
        Pattern.compile(
                "tiny-m1\\s+forced_choice\\s+(\\d+\\.\\d)%\\s+(\\d+\\.\\d)%\\s+([0-9.]+)\\s+([0-9.]+)")
            .matcher(r.out());
    assertThat(forced.find()).as(r.out()).isTrue();
    assertThat(Double.parseDouble(forced.group(4))).isPositive();
  }
}
