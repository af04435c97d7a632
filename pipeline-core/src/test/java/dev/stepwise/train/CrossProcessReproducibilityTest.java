package dev.stepwise.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SFT and step-wise DPO give the same bytes in two separate JVMs for a fixed seed and thread count,
 * DPO also as two training tasks sharing one JVM (stepwise.train.workers = 2 on local[N]). The
 * latter failed before the trainer made such tasks take turns for whole optimizer steps.
 */
public class CrossProcessReproducibilityTest {

  @Test
  void sftAndDpoWriteTheSameCheckpointBytesInTwoProcesses(@TempDir Path tmp) throws Exception {
    Path model = shippedM1();
    for (Path run : List.of(tmp.resolve("a"), tmp.resolve("b"))) {
      replay(model, run, 2, 1);
    }
    for (String kind : List.of("sft", "dpo", "dpo-worker0", "dpo-worker1")) {
      String a = sha256(tmp.resolve("a").resolve(kind).resolve("model.safetensors"));
      String b = sha256(tmp.resolve("b").resolve(kind).resolve("model.safetensors"));
      assertThat(a)
          .as(kind + " trained the weights")
          .isNotEqualTo(sha256(model.resolve("model.safetensors")));
      assertThat(b).as(kind + ": the second process's checkpoint").isEqualTo(a);
    }
  }

  static String sha256(Path file) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  /** Runs {@link TrainingReplay} in a fresh JVM with this one's classpath and DJL settings. */
  static void replay(Path model, Path out, int sftThreads, int dpoThreads) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path")));
    for (String key :
        List.of("ai.djl.offline", "DJL_CACHE_DIR", "ai.djl.pytorch.num_interop_threads")) {
      if (System.getProperty(key) != null) command.add("-D" + key + "=" + System.getProperty(key));
    }
    command.addAll(
        List.of(
            TrainingReplay.class.getName(),
            model.toString(),
            out.toString(),
            Integer.toString(sftThreads),
            Integer.toString(dpoThreads)));
    Path log = Files.createDirectories(out).resolve("replay.log");
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).as("replay finished").isTrue();
    assertThat(p.exitValue()).as(Files.readString(log)).isZero();
  }

  /** models/tiny-m1 from the project root, found from any folder below it. */
  public static Path shippedM1() {
    for (File dir = new File("").getAbsoluteFile(); dir != null; dir = dir.getParentFile()) {
      File candidate = new File(dir, "models/tiny-m1");
      if (new File(candidate, "model.safetensors").isFile()) return candidate.toPath();
    }
    throw new IllegalStateException(
        "models/tiny-m1 not found above " + new File("").getAbsolutePath());
  }
}
