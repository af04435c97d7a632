package dev.stepwise.spark.jobs.multilingual;

import ai.djl.ndarray.NDManager;
import dev.stepwise.model.LeftPaddedBatch;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.multilingual.ActivationRecorder;
import dev.stepwise.multilingual.ResponseSequence;
import dev.stepwise.spark.config.NeuronsConfig;
import dev.stepwise.spark.runtime.ExecutorModels;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;

/**
 * `stepwise bench-neurons`: the cost of activation recording against a plain forward pass over the
 * same sequences and batches (target: recording adds at most 30%). Driver JVM, one device.
 */
public final class NeuronBenchmark {

  /** Seconds per pass over all sequences (best of the repeats) and the response tokens counted. */
  public record Result(
      String device, int sequences, long tokens, double forwardSeconds, double recordSeconds) {
    public double ratio() {
      return recordSeconds / forwardSeconds;
    }
  }

  private final SparkSession spark;
  private final NeuronsJob job;
  private final NeuronsConfig config;

  @Inject
  public NeuronBenchmark(SparkSession spark, NeuronsJob job, NeuronsConfig config) {
    this.spark = spark;
    this.job = job;
    this.config = config;
  }

  public Result run(String modelUri, int repeats) {
    SerializableConfiguration conf =
        new SerializableConfiguration(spark.sparkContext().hadoopConfiguration());
    ExecutorModels.Loaded loaded = ExecutorModels.get(modelUri, conf.value());
    NeuronCounting counting =
        new NeuronCounting(List.of(modelUri), config.batchSize(), config.maxNewTokens(), conf);
    Map<String, List<ResponseSequence>> byLang = counting.sequences(job.items(), loaded);
    LlamaModel model = loaded.model();
    long tokens = 0;
    int sequences = 0;
    for (List<ResponseSequence> seqs : byLang.values()) {
      sequences += seqs.size();
      for (ResponseSequence s : seqs) tokens += s.response().length;
    }
    double forward = Double.MAX_VALUE, record = Double.MAX_VALUE;
    for (int r = 0; r <= repeats; r++) { // pass 0 warms up both paths
      long t0 = System.nanoTime();
      byLang.values().forEach(seqs -> forwardOnly(model, seqs));
      long t1 = System.nanoTime();
      byLang.forEach(
          (lang, seqs) -> ActivationRecorder.record(model, seqs, lang, config.batchSize()));
      long t2 = System.nanoTime();
      if (r > 0) {
        forward = Math.min(forward, (t1 - t0) / 1e9);
        record = Math.min(record, (t2 - t1) / 1e9);
      }
    }
    return new Result(loaded.device().toString(), sequences, tokens, forward, record);
  }

  /** The forward the recorder makes (same batches and padding), without the counting hook. */
  private void forwardOnly(LlamaModel model, List<ResponseSequence> seqs) {
    for (int from = 0; from < seqs.size(); from += config.batchSize()) {
      List<int[]> rows = new ArrayList<>();
      for (ResponseSequence s :
          seqs.subList(from, Math.min(seqs.size(), from + config.batchSize()))) {
        int[] row = Arrays.copyOf(s.prompt(), s.prompt().length + s.response().length);
        System.arraycopy(s.response(), 0, row, s.prompt().length, s.response().length);
        rows.add(row);
      }
      LeftPaddedBatch padded = LeftPaddedBatch.of(rows);
      try (NDManager scope = model.manager().newSubManager()) {
        // toFloatArray forces the lazy result like the recorder's final toLongArray does.
        model
            .hidden(padded.toNDArray(scope), padded.padding(), null, null)
            .get(0, 0, 0)
            .toFloatArray();
      }
    }
  }
}
