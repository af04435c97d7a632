package dev.stepwise.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stepwise.spark.loop.SelfRewardLoopTest;
import dev.stepwise.spark.runtime.Manifest;
import dev.stepwise.spark.runtime.StageRecord;
import java.io.File;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loop on a real HDFS: a MiniDFSCluster (NameNode + DataNode) in this JVM, and a micro run
 * whose directory is an hdfs:// URI — datasets, manifest, checkpoints, and the two DPO workers'
 * weight averaging all go through it. The outputs are read back over HDFS.
 */
class HdfsIT {
  @TempDir static File base;
  private static MiniDFSCluster hdfs;

  @BeforeAll
  static void startHdfs() throws Exception {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, new File(base, "dfs").getAbsolutePath());
    hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    hdfs.waitActive();
  }

  @AfterAll
  static void stopHdfs() {
    if (hdfs != null) hdfs.shutdown(true);
  }

  @Test
  void theLoopRunsWithItsRunDirectoryOnHdfs() throws Exception {
    String run = "hdfs://localhost:" + hdfs.getNameNodePort() + "/runs/r1";
    List<String> args = new ArrayList<>(List.of("run"));
    args.addAll(SelfRewardLoopTest.micro(base.toPath()));
    args.set(args.indexOf("--run") + 1, run);
    // Two training workers average their weights through the run's storage, here HDFS; the
    // alignment stage always trains (DPO may find no pairs in a micro round).
    for (String kv :
        List.of(
            "stepwise.train.workers=2",
            "stepwise.train.sync_every=1",
            "stepwise.align.enabled=true",
            "stepwise.align.synthetic_problems=2",
            "stepwise.align.steps=2",
            "stepwise.align.batch_size=2",
            "stepwise.align.eval_problems=1")) {
      args.add("--set");
      args.add(kv);
    }
    Cli.Result loop = Cli.run(args.toArray(String[]::new));
    assertThat(loop.exitCode()).as(loop.err() + loop.out()).isZero();
    assertThat(loop.out()).contains("| M1 ").contains("| M2 ");

    FileSystem fs = FileSystem.get(URI.create(run), hdfs.getConfiguration(0));
    Path root = new Path(run);
    String manifest;
    try (var in = fs.open(new Path(root, "run.json"))) {
      manifest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    List<StageRecord> stages = Manifest.parseStages(manifest);
    assertThat(stages)
        .extracting(StageRecord::key)
        .containsExactly(
            "tasks",
            "sft",
            "eval@round=1",
            "translation_pairs",
            "align@round=1",
            "align_eval@round=1",
            "search@round=1",
            "pairs@round=1",
            "ref@round=1",
            "dpo@round=1",
            "eval@round=2");
    assertThat(stages).allSatisfy(s -> assertThat(s.status()).isEqualTo(StageRecord.SUCCEEDED));
    StageRecord align =
        stages.stream().filter(s -> s.name().equals("align")).findFirst().orElseThrow();
    assertThat(align.metrics()).containsEntry("workers", 2L);
    assertThat(fs.exists(new Path(root, "checkpoints/align/round=1/model.safetensors"))).isTrue();
    assertThat(fs.exists(new Path(root, "checkpoints/round=2/model.safetensors"))).isTrue();
    assertThat(fs.exists(new Path(root, "reports/report.md"))).isTrue();

    // Read back over HDFS through Spark SQL: the search's solutions and the eval rows of both
    // models.
    Cli.Result rows =
        Cli.run(
            "sql",
            "--run",
            run,
            "SELECT (SELECT count(*) FROM solutions) AS solutions, (SELECT count(DISTINCT model_id) FROM eval_results WHERE round = 2) AS models");
    assertThat(rows.exitCode()).as(rows.err()).isZero();
    assertThat(rows.out().strip()).isEqualTo("{\"solutions\":3,\"models\":1}");
  }
}
