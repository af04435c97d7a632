package dev.stepwise.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The checkpoints and reference log-probs written by src/test/python/make_fixtures.py (plain
 * torch).
 */
final class Fixtures {
  private Fixtures() {}

  static final String[] MODELS = {"qwen2-tiny", "llama-bf16-sharded", "llama-f16-bias"};

  record Sequence(int[] ids, double[] logProbs) {}

  static Path dir(String model) {
    try {
      return Path.of(Fixtures.class.getResource("/fixtures/" + model + "/config.json").toURI())
          .getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<String, Sequence> reference(String model) throws IOException {
    JsonObject json =
        JsonParser.parseString(Files.readString(dir(model).resolve("reference_logprobs.json")))
            .getAsJsonObject();
    Map<String, Sequence> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : json.entrySet()) {
      JsonObject s = e.getValue().getAsJsonObject();
      int[] ids =
          s.getAsJsonArray("ids").asList().stream().mapToInt(JsonElement::getAsInt).toArray();
      double[] lp =
          s.getAsJsonArray("logprobs").asList().stream()
              .mapToDouble(JsonElement::getAsDouble)
              .toArray();
      out.put(e.getKey(), new Sequence(ids, lp));
    }
    return out;
  }
}
