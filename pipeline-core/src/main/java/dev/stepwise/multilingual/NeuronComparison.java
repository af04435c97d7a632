package dev.stepwise.multilingual;

import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Before versus after alignment (docs/methods.md §E): the same procedure on both models, then
 * per-layer changes per type, changes per N, and how much of each neuron set survives.
 */
public final class NeuronComparison {
  private NeuronComparison() {}

  /**
   * @param perLayerDelta per type, after − before neurons in each layer
   * @param countsByNDelta index N = 1..K, after − before of {@link NeuronReport#countsByN()}
   * @param specificOverlap |A ∩ B| / |A| for A = before's specific and B = after's specific
   *     memberships
   * @param relatedOverlap the same for related neurons
   */
  public record Result(
      Map<NeuronType, int[]> perLayerDelta,
      int[] countsByNDelta,
      double specificOverlap,
      double relatedOverlap) {}

  /**
   * A membership is (language, layer, neuron): a related neuron of zh and de counts once for each.
   * The overlap's denominator is the BEFORE set, so it reads "share of the base model's neurons
   * that are still there after alignment"; NaN when the before set is empty.
   */
  public static Result compare(NeuronReport before, NeuronReport after) {
    if (!before.languages().equals(after.languages())) {
      throw new IllegalArgumentException(
          "compare reports over the same languages: before "
              + before.languages()
              + ", after "
              + after.languages());
    }
    if (before.table().layers() != after.table().layers()
        || before.table().neurons() != after.table().neurons()) {
      throw new IllegalArgumentException(
          "compare reports of the same architecture: before "
              + before.table().layers()
              + "x"
              + before.table().neurons()
              + ", after "
              + after.table().layers()
              + "x"
              + after.table().neurons());
    }
    Map<NeuronType, int[]> perLayer = new EnumMap<>(NeuronType.class);
    for (NeuronType type : List.of(NeuronType.SPECIFIC, NeuronType.RELATED, NeuronType.GENERAL)) {
      perLayer.put(type, difference(after.perLayer(type), before.perLayer(type)));
    }
    return new Result(
        perLayer,
        difference(after.countsByN(), before.countsByN()),
        overlap(memberships(before, NeuronType.SPECIFIC), memberships(after, NeuronType.SPECIFIC)),
        overlap(memberships(before, NeuronType.RELATED), memberships(after, NeuronType.RELATED)));
  }

  /** |a ∩ b| / |a|, NaN for an empty a. */
  public static double overlap(Set<?> a, Set<?> b) {
    if (a.isEmpty()) return Double.NaN;
    return a.stream().filter(b::contains).count() / (double) a.size();
  }

  private record Membership(String lang, Neuron neuron) {}

  private static Set<Membership> memberships(NeuronReport report, NeuronType type) {
    Set<Membership> out = new HashSet<>();
    for (String lang : report.languages())
      report.neurons(type, lang).forEach(n -> out.add(new Membership(lang, n)));
    return out;
  }

  private static int[] difference(int[] after, int[] before) {
    int[] d = new int[after.length];
    for (int i = 0; i < d.length; i++) d[i] = after[i] - before[i];
    return d;
  }
}
