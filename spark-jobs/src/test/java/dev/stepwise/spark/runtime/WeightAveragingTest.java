package dev.stepwise.spark.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.stepwise.spark.config.SparkConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parameter averaging in a real local[2] barrier stage: every worker ends with the same mean weights. */
class WeightAveragingTest {
  @TempDir Path tmp;

  @Test
  void everyWorkerEndsWithTheMeanOfAllWorkersWeights() throws Exception {
    var spark = SessionFactory.create(new SparkConfig("local[2]", "test", false, 0, Duration.ofSeconds(1)));
    String sync = tmp.resolve("sync").toString(), out = tmp.toString();
    BarrierTraining.run(spark, 2, (worker, workers, context) -> {
      try (NDManager manager = NDManager.newBaseManager()) {
        // Worker w holds a = [w+1, 2(w+1)] and b = [10(w+1)]: the means are [1.5, 3] and [15].
        Map<String, NDArray> parameters = new LinkedHashMap<>();
        parameters.put("a", manager.create(new float[] {worker + 1, 2 * (worker + 1)}));
        parameters.put("b", manager.create(new float[] {10 * (worker + 1)}));
        WeightAveraging averaging = new WeightAveraging(new org.apache.hadoop.fs.Path(sync), new Configuration(), worker, workers, context);
        averaging.average(7, parameters);
        Files.writeString(Path.of(out, "worker=" + worker + ".txt"),
            Arrays.toString(parameters.get("a").toFloatArray()) + " " + Arrays.toString(parameters.get("b").toFloatArray()));
      }
      return Map.of();
    });
    String first = Files.readString(tmp.resolve("worker=0.txt")), second = Files.readString(tmp.resolve("worker=1.txt"));
    assertThat(first).isEqualTo("[1.5, 3.0] [15.0]");
    assertThat(second).isEqualTo(first);
    assertThat(tmp.resolve("sync/step=7")).doesNotExist(); // worker 0 cleans up after the second barrier
  }
}
