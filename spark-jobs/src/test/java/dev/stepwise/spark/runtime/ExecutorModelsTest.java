package dev.stepwise.spark.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.DataType;
import dev.stepwise.spark.Cli;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** stepwise.model.dtype reaches executors through the Hadoop configuration their tasks receive. */
class ExecutorModelsTest {

  @TempDir Path dir;

  @Test
  void theConfiguredDtypeIsTheDtypeOfTheLoadedWeightsAndPartOfTheCacheKey() throws Exception {
    Path model = dir.resolve("tiny");
    assertThat(
            Cli.runLocal(
                    "model", "init", "--preset", "tiny", "--out", model.toString(), "--seed", "1")
                .exitCode())
        .isZero();
    Configuration conf = new Configuration(false);
    ExecutorModels.Loaded auto = ExecutorModels.get(model.toString(), conf);
    assertThat(auto.model().weightType()).isEqualTo(DataType.FLOAT32); // auto on the CPU
    conf.set(ExecutorModels.DTYPE_KEY, "float16");
    ExecutorModels.Loaded half = ExecutorModels.get(model.toString(), conf);
    assertThat(half.model().weightType()).isEqualTo(DataType.FLOAT16);
    // A model that trains is float32 whatever the setting: DJL's casts carry no gradient.
    assertThat(ExecutorModels.loadFresh(model.toString(), conf).model().weightType())
        .isEqualTo(DataType.FLOAT32);
  }
}
