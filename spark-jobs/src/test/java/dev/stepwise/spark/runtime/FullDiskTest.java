package dev.stepwise.spark.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.stepwise.schemas.Datasets;
import dev.stepwise.spark.Cli;
import dev.stepwise.spark.config.SparkConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run on a full disk (a 512 KiB tmpfs; skipped where this user cannot mount one): every failed
 * write names its path and leaves no temporary behind, and what was there stays.
 */
class FullDiskTest {
  @TempDir Path tmp;
  private Path disk;

  @BeforeEach
  void mountSmallDisk() throws Exception {
    disk = Files.createDirectories(tmp.resolve("disk"));
    Process mount =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", disk.toString())
            .redirectErrorStream(true)
            .start();
    assumeThat(mount.waitFor()).as("mount a tmpfs (needs root)").isZero();
  }

  @AfterEach
  void unmount() throws Exception { // lazily: the failed writes may still hold open files
    new ProcessBuilder("umount", "-l", disk.toString()).start().waitFor();
  }

  private static String noise(int chars, long seed) {
    Random random = new Random(seed);
    StringBuilder text = new StringBuilder();
    while (text.length() < chars) text.append(Long.toString(random.nextLong(), 36));
    return text.toString();
  }

  private List<String> temporaries() throws Exception {
    try (var walk = Files.walk(disk)) {
      return walk.map(p -> p.getFileName().toString())
          .filter(n -> n.contains("_tmp-") || n.contains(".tmp-"))
          .toList();
    }
  }

  @Test
  void failedWritesNameTheirPathAndLeaveNoTemporaries() throws Exception {
    SparkSession spark =
        SessionFactory.create(new SparkConfig("local[2]", "test", false, 0, Duration.ofSeconds(1)));
    RunLayout layout =
        RunLayout.open(disk.resolve("run").toString(), spark.sparkContext().hadoopConfiguration());
    DatasetIO io = new DatasetIO(spark, layout);
    var schema = Datasets.get(Datasets.REJECTED).sparkType();
    io.replacePartitions(
        Datasets.REJECTED,
        spark.createDataFrame(
            List.of(RowFactory.create("prompts", "s", "train", "f", 1L, "kept", null)), schema),
        Set.of());

    // Incompressible rows, several times the disk.
    List<Row> big = new ArrayList<>();
    for (int i = 0; i < 40; i++)
      big.add(RowFactory.create("prompts", "s", "train", "f", (long) i, "big", noise(64_000, i)));
    assertThatThrownBy(
            () ->
                io.replacePartitions(
                    Datasets.REJECTED, spark.createDataFrame(big, schema), Set.of()))
        .isInstanceOf(StepwiseException.class)
        .hasMessageStartingWith("cannot write rejected into " + layout.rejected() + "/_tmp-");
    assertThat(temporaries()).isEmpty();
    assertThat(io.read(Datasets.REJECTED).collectAsList())
        .extracting(r -> r.getString(5))
        .containsExactly("kept");

    assertThatThrownBy(() -> layout.writeAtomically(layout.configConf(), noise(2_000_000, 1)))
        .isInstanceOf(StepwiseException.class)
        .hasMessageStartingWith("cannot write " + layout.configConf());
    assertThat(temporaries()).isEmpty();

    // A real checkpoint (publish verifies it first), larger than the disk: the shipped M1.
    Path local = Path.of(Cli.tinyM1());
    assertThatThrownBy(
            () ->
                Checkpoints.publish(
                    local, layout.checkpoint(2), spark.sparkContext().hadoopConfiguration()))
        .isInstanceOf(StepwiseException.class)
        .hasMessageStartingWith("cannot write checkpoint " + layout.checkpoint(2));
    assertThat(temporaries()).isEmpty();
  }
}
