package dev.stepwise.spark.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.stepwise.model.LlamaModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.BarrierTaskContext;

/**
 * Data-parallel training by parameter averaging: every {@code syncEvery} steps each worker writes
 * its weights to the run's storage, waits for the others at a barrier, and replaces its weights
 * with the mean of all workers'. Two barriers per sync (about 1 s each, docs/design.md), so sync
 * every few dozen steps, never every step.
 */
public final class WeightAveraging {

  private final Path dir;
  private final Configuration conf;
  private final int worker;
  private final int workers;
  private final BarrierTaskContext context;

  public WeightAveraging(
      Path dir, Configuration conf, int worker, int workers, BarrierTaskContext context) {
    this.dir = dir;
    this.conf = conf;
    this.worker = worker;
    this.workers = workers;
    this.context = context;
  }

  /** Replaces {@code parameters} in place by the mean over all workers at {@code step}. */
  public void average(long step, Map<String, NDArray> parameters) throws IOException {
    if (workers == 1) {
      return;
    }
    FileSystem fs = dir.getFileSystem(conf);
    Path stepDir = new Path(dir, "step=" + step);
    try (OutputStream out =
        fs.create(new Path(stepDir, "worker=" + worker + ".safetensors"), true)) {
      NDList named = new NDList();
      parameters.forEach(
          (name, p) -> {
            NDArray copy = p.duplicate();
            copy.setName(name);
            named.add(copy);
          });
      named.encode(out, NDList.Encoding.SAFETENSORS);
      named.close();
    }
    context.barrier();
    NDManager owner = parameters.values().iterator().next().getManager();
    try (NDManager scope = owner.newSubManager()) {
      Map<String, NDArray> sum = new HashMap<>();
      for (int w = 0; w < workers; w++) {
        try (InputStream in = fs.open(new Path(stepDir, "worker=" + w + ".safetensors"))) {
          for (NDArray a : NDList.decode(scope, in)) {
            sum.merge(a.getName(), a, NDArray::add);
          }
        }
      }
      for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
        LlamaModel.copyInto(e.getValue(), sum.get(e.getKey()).div(workers));
      }
    }
    context.barrier();
    if (worker == 0) {
      fs.delete(stepDir, true);
    }
  }
}
