package dev.stepwise.model;

import java.util.List;

/**
 * Qwen2.5's real model shapes, as their HF {@code config.json} files give them, for random-weight
 * checkpoints that measure speed and memory at a real size (issue #11). The vocabulary of the
 * config is Qwen's; the tokenizer written next to it may be smaller (its ids are a prefix).
 */
public final class QwenShapes {
  private QwenShapes() {}

  public static final List<String> NAMES = List.of("qwen2.5-0.5b", "qwen2.5-1.5b", "qwen2.5-7b");

  /**
   * The config of shape {@code name} (one of {@link #NAMES}), with {@code eosTokenId} from its
   * tokenizer.
   */
  public static LlamaConfig config(String name, Integer eosTokenId) {
    return switch (name) {
      case "qwen2.5-0.5b" -> qwen2(151936, 896, 4864, 24, 14, 2, true, eosTokenId);
      case "qwen2.5-1.5b" -> qwen2(151936, 1536, 8960, 28, 12, 2, true, eosTokenId);
      case "qwen2.5-7b" -> qwen2(152064, 3584, 18944, 28, 28, 4, false, eosTokenId);
      default ->
          throw new IllegalArgumentException(
              "shape '" + name + "' is unknown; expected tiny or one of " + NAMES);
    };
  }

  private static LlamaConfig qwen2(
      int vocab,
      int hidden,
      int intermediate,
      int layers,
      int heads,
      int kvHeads,
      boolean tied,
      Integer eosTokenId) {
    return new LlamaConfig(
        "qwen2",
        vocab,
        hidden,
        intermediate,
        layers,
        heads,
        kvHeads,
        hidden / heads,
        1e-6,
        1_000_000.0,
        32768,
        tied,
        false,
        null,
        eosTokenId,
        "bfloat16");
  }
}
