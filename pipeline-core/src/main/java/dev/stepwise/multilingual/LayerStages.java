package dev.stepwise.multilingual;

import java.util.List;

/**
 * The paper's four-stage reading of the layers (docs/methods.md §E): multilingual understanding,
 * shared-space reasoning, output-space transformation, vocabulary-space outputting. Each stage
 * starts at a layer; it runs to the next stage's start.
 *
 * @param starts first layer of each stage, strictly increasing from 0 ({@code neurons.stages})
 */
public record LayerStages(List<Integer> starts, int layers) {
  public static final List<String> NAMES =
      List.of("understanding", "reasoning", "output-transformation", "vocabulary-output");

  /** The 32-layer DEFAULT: layers 0–7, 8–19, 20–30 and 31. */
  private static final int[] DEFAULT_STARTS_32 = {0, 8, 20, 31};

  public LayerStages {
    starts = List.copyOf(starts);
    if (starts.size() != NAMES.size())
      throw new IllegalArgumentException(
          "neurons.stages needs " + NAMES.size() + " start layers " + NAMES + ", got " + starts);
    if (starts.get(0) != 0)
      throw new IllegalArgumentException("neurons.stages must start at layer 0, got " + starts);
    for (int s = 1; s < starts.size(); s++) {
      if (starts.get(s) <= starts.get(s - 1))
        throw new IllegalArgumentException(
            "neurons.stages must be strictly increasing, got " + starts);
    }
    if (starts.get(starts.size() - 1) >= layers) {
      throw new IllegalArgumentException(
          "neurons.stages "
              + starts
              + " starts a stage past the model's last layer "
              + (layers - 1));
    }
  }

  /**
   * The 32-layer boundaries scaled to {@code layers} (start·L/32, rounded down), the last stage
   * being the last layer alone. Models under 4 layers cannot have four stages.
   */
  public static LayerStages scaledDefault(int layers) {
    if (layers < NAMES.size()) {
      throw new IllegalArgumentException(
          "a "
              + layers
              + "-layer model cannot be split into "
              + NAMES.size()
              + " stages; set neurons.stages explicitly");
    }
    return new LayerStages(
        List.of(
            0, DEFAULT_STARTS_32[1] * layers / 32, DEFAULT_STARTS_32[2] * layers / 32, layers - 1),
        layers);
  }

  /** Index of the stage that holds {@code layer}. */
  public int stageOf(int layer) {
    int stage = 0;
    while (stage + 1 < starts.size() && starts.get(stage + 1) <= layer) stage++;
    return stage;
  }
}
