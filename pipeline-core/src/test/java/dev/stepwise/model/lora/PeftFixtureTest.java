package dev.stepwise.model.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.io.TensorDType;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.CompletionScorer;
import dev.stepwise.model.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An adapter written by PEFT itself (src/test/python/make_peft_fixture.py: r 2, lora_alpha 6,
 * q/o/up_proj, lora_dropout 0.1, every field PEFT 0.21 writes) loads onto qwen2-tiny and scores
 * what PEFT on transformers scored.
 */
class PeftFixtureTest {

  @Test
  void anAdapterSavedByPeftScoresWhatPeftScored() throws Exception {
    Path adapter =
        Path.of(
                PeftFixtureTest.class
                    .getResource("/fixtures/qwen2-tiny-peft-lora/adapter_config.json")
                    .toURI())
            .getParent();
    JsonObject reference =
        JsonParser.parseString(Files.readString(adapter.resolve("reference_logprobs.json")))
            .getAsJsonObject();
    try (NDManager root = NDManager.newBaseManager();
        LlamaModel model =
            Checkpoint.load(adapter, root, TensorDType.F32, base -> LoraAdapterTest.base())) {
      LoraAdapter lora = (LoraAdapter) model.projectionHook();
      assertThat(lora.settings())
          .isEqualTo(new LoraSettings(2, 6, 0.1, List.of("up_proj", "q_proj", "o_proj")));
      CompletionScorer scorer = new CompletionScorer(model);
      for (String key : List.of("a", "b")) {
        int[] ids =
            reference.getAsJsonObject(key).getAsJsonArray("ids").asList().stream()
                .mapToInt(e -> e.getAsInt())
                .toArray();
        double[] expected =
            reference.getAsJsonObject(key).getAsJsonArray("logprobs").asList().stream()
                .mapToDouble(e -> e.getAsDouble())
                .toArray();
        float[] actual =
            scorer
                .score(List.of(new int[] {ids[0]}), List.of(Arrays.copyOfRange(ids, 1, ids.length)))
                .get(0)
                .tokenLogProbs();
        for (int t = 0; t < expected.length; t++)
          assertThat((double) actual[t]).as("%s[%d]", key, t).isCloseTo(expected[t], within(1e-4));
      }
    }
  }
}
