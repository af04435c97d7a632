package dev.stepwise.multilingual;

/**
 * Neuron {@code index} (the j-th output of SiLU(x·W_gate)) of decoder layer {@code layer}, both
 * 0-based.
 */
public record Neuron(int layer, int index) implements Comparable<Neuron> {
  @Override
  public int compareTo(Neuron o) {
    return layer != o.layer ? Integer.compare(layer, o.layer) : Integer.compare(index, o.index);
  }
}
