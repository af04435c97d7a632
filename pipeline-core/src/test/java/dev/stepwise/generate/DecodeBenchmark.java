package dev.stepwise.generate;

import dev.stepwise.sampling.FixedSampler;
import ai.djl.ndarray.NDManager;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.TinyPreset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Decoding speed of the tiny preset (byte-level vocabulary size 259): tokens/s at batch 1 and 8,
 * and per-step latency early vs late in a 512-token generation (a flat curve means the KV cache
 * is not re-copied). Run by hand; see docs/model.md.
 */
public final class DecodeBenchmark {
  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("tiny");
    TinyPreset.writeRandomInit(TinyPreset.config(259, 256, 257), 1L, dir, null);
    try (NDManager root = NDManager.newBaseManager(); LlamaModel model = Checkpoint.load(dir, root)) {
      TokenDecoder decoder = ids -> "";
      Generator generator = new Generator(model, decoder);
      for (int batch : new int[] {1, 8, 16}) {
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < batch; i++) requests.add(GenerationRequest.greedy(new int[] {256, 10 + i, 20, 30}, 64, Set.of()));
        for (int warmUp = 0; warmUp < 3; warmUp++) generator.generate(requests);
        long start = System.nanoTime();
        for (int repeat = 0; repeat < 5; repeat++) generator.generate(requests);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("batch %2d: %.0f tokens/s (64 new tokens per row)%n", batch, 5 * batch * 64 / seconds);
      }
      TimedDecoder timed = new TimedDecoder();
      new Generator(model, timed).generate(List.of(new GenerationRequest(new int[] {256, 1}, 512, 0, FixedSampler.greedy(), List.of("\u0000never"), Set.of())));
      timed.times.clear();
      new Generator(model, timed).generate(List.of(new GenerationRequest(new int[] {256, 1}, 512, 0, FixedSampler.greedy(), List.of("\u0000never"), Set.of())));
      System.out.printf("batch 1, ms per step at context 16-64: %.3f, 224-272: %.3f, 464-512: %.3f%n",
          timed.meanMillis(16, 64), timed.meanMillis(224, 272), timed.meanMillis(464, 512));
    }
  }

  /** Records when each step's stop-string check happens, i.e. one timestamp per generated token. */
  private static final class TimedDecoder implements TokenDecoder {
    final List<Long> times = new ArrayList<>();

    @Override
    public String decode(int[] ids) {
      times.add(System.nanoTime());
      return "";
    }

    double meanMillis(int from, int to) {
      return (times.get(to - 1) - times.get(from - 1)) / 1e6 / (to - from);
    }
  }
}
