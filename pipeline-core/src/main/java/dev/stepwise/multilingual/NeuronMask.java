package dev.stepwise.multilingual;

import dev.stepwise.model.MlpHook;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Deactivates neurons: their SiLU(x·W_gate) outputs are forced to 0 in every forward that uses this
 * hook (docs/methods.md §E step 10, the code's {@code index_fill_(…, 0)}).
 */
public final class NeuronMask implements MlpHook {
  private final Map<Integer, int[]> byLayer;
  private final int size;

  public NeuronMask(Collection<Neuron> neurons) {
    Map<Integer, TreeSet<Integer>> grouped = new HashMap<>();
    for (Neuron n : neurons)
      grouped.computeIfAbsent(n.layer(), l -> new TreeSet<>()).add(n.index());
    this.byLayer = new HashMap<>();
    grouped.forEach(
        (layer, indices) ->
            byLayer.put(layer, indices.stream().mapToInt(Integer::intValue).toArray()));
    this.size = grouped.values().stream().mapToInt(TreeSet::size).sum();
  }

  /** A language's specific neurons, plus its related ones when {@code withRelated}. */
  public static NeuronMask forLanguage(NeuronReport report, String lang, boolean withRelated) {
    List<Neuron> neurons = new ArrayList<>(report.neurons(NeuronType.SPECIFIC, lang));
    if (withRelated) neurons.addAll(report.neurons(NeuronType.RELATED, lang));
    return new NeuronMask(neurons);
  }

  /** Distinct neurons zeroed. */
  public int size() {
    return size;
  }

  @Override
  public int[] zeroedNeurons(int layer) {
    int[] zeroed = byLayer.get(layer);
    return zeroed == null ? null : zeroed.clone();
  }
}
