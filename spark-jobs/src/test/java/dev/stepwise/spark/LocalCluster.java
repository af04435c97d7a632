package dev.stepwise.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real standalone cluster (Master + two Workers with one simulated GPU each) on a free loopback
 * port, started and stopped by the same bin/local-cluster users run; its state under a temporary
 * directory.
 */
final class LocalCluster {
  private static final File ROOT = new File("..").getAbsoluteFile().toPath().normalize().toFile();
  private final Path state;
  private final int port;

  private LocalCluster(Path state, int port) {
    this.state = state;
    this.port = port;
  }

  static LocalCluster start() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    LocalCluster cluster = new LocalCluster(Files.createTempDirectory("stepwise-cluster"), port);
    Result r = cluster.run("start");
    assertThat(r.code()).as(r.output()).isZero();
    assertThat(r.output()).contains("spark://127.0.0.1:" + port);
    return cluster;
  }

  /** The master's port on 127.0.0.1. */
  int port() {
    return port;
  }

  /** A folder for runs next to the cluster's state. */
  Path dir(String name) {
    return state.resolve(name);
  }

  /** Stops it, checking that every JVM it started (master + 2 workers) has ended. */
  void stop() throws Exception {
    List<Long> pids = new ArrayList<>();
    try (var files = Files.list(state.resolve("cluster"))) {
      for (Path f : files.filter(f -> f.toString().endsWith(".pid")).toList())
        pids.add(Long.parseLong(Files.readString(f).strip()));
    }
    assertThat(pids).as("master + 2 workers").hasSize(3);
    Result r = run("stop");
    assertThat(r.code()).as(r.output()).isZero();
    assertThat(run("status").output()).contains("not running");
    // The recorded PIDs are the JVMs themselves, and stop ended every one of them.
    assertThat(pids)
        .allSatisfy(
            pid ->
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .isFalse());
  }

  /** The executor JVMs that Worker {@code i} launched and that still run. */
  List<ProcessHandle> executors(int worker) throws IOException {
    long pid =
        Long.parseLong(
            Files.readString(state.resolve("cluster/worker-" + worker + ".pid")).strip());
    return ProcessHandle.of(pid).stream().flatMap(ProcessHandle::children).toList();
  }

  record Result(int code, String output) {}

  /** {@code bin/local-cluster ARGS}, to completion. */
  Result run(String... args) throws IOException, InterruptedException {
    Process p = command(List.of(args)).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(5, TimeUnit.MINUTES)) p.destroyForcibly();
    return new Result(p.exitValue(), output);
  }

  /** {@code bin/local-cluster ARGS} with this cluster's environment, not yet started. */
  ProcessBuilder command(List<String> args) {
    List<String> command = new ArrayList<>(List.of(new File(ROOT, "bin/local-cluster").getPath()));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> env = pb.environment();
    env.put("STEPWISE_CLUSTER_DIR", state.resolve("cluster").toString());
    env.put("STEPWISE_MASTER_PORT", Integer.toString(port));
    env.put("STEPWISE_NO_BUILD", "1"); // Maven just built the jars this test submits
    return pb;
  }
}
