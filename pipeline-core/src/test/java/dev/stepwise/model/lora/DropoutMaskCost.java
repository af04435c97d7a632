package dev.stepwise.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.model.LlamaConfig;
import dev.stepwise.model.QwenShapes;
import dev.stepwise.model.TinyPreset;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Map;

/**
 * What LoRA dropout's masks cost one training micro-batch: {@code SHAPE TOKENS REPS} (SHAPE tiny or
 * one of {@link QwenShapes#NAMES}) draws the masks of one decoder layer (all 7 projections) for
 * TOKENS tokens REPS times and prints, as it goes, the wall and calling-thread CPU time per layer,
 * per mask element and per micro-batch (x layers), and the bytes the masks keep for the backward
 * pass. Run with {@code -XX:ActiveProcessorCount=1} for the single-core cost.
 */
public final class DropoutMaskCost {
  private DropoutMaskCost() {}

  public static void main(String[] args) {
    LlamaConfig config =
        args[0].equals("tiny") ? TinyPreset.config(259, null, 1) : QwenShapes.config(args[0], null);
    int tokens = Integer.parseInt(args[1]), reps = Integer.parseInt(args[2]);
    Map<String, long[]> shapes =
        LoraAdapter.shapes(config, new LoraSettings(1, 1, 0.05, LoraAdapter.MODULES));
    long[] inputs = new long[LoraAdapter.MODULES.size()];
    long perToken = 0;
    for (int m = 0; m < inputs.length; m++) {
      inputs[m] = shapes.get(LoraAdapter.peftName(0, LoraAdapter.MODULES.get(m), "lora_A"))[1];
      perToken += inputs[m];
    }
    long elements = perToken * tokens;
    int layers = config.numHiddenLayers();
    System.out.printf(
        "%s: %d mask elements per token and layer, %d layers, %d tokens: %.1f MB of masks per"
            + " micro-batch%n",
        args[0], perToken, layers, tokens, elements * layers / 1e6);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    try (NDManager manager = NDManager.newBaseManager()) {
      for (int rep = 0; rep < reps; rep++) {
        long cpu = threads.getCurrentThreadCpuTime(), wall = System.nanoTime();
        for (int m = 0; m < inputs.length; m++) {
          try (NDArray keep =
              LoraDropout.keepMask(
                  manager, new Shape(tokens, inputs[m]), 0.05, LoraDropout.key(1, rep, 0, 0, m))) {
            keep.getShape(); // drawn and copied into torch's memory by now
          }
        }
        cpu = threads.getCurrentThreadCpuTime() - cpu;
        wall = System.nanoTime() - wall;
        System.out.printf(
            "rep %d: one layer %.1f ms wall, %.1f ms CPU (%.2f ns per element); x %d layers:"
                + " %.2f s wall, %.2f s CPU per micro-batch%n",
            rep,
            wall / 1e6,
            cpu / 1e6,
            (double) cpu / elements,
            layers,
            wall * layers / 1e9,
            cpu * layers / 1e9);
      }
    }
  }
}
