package dev.stepwise.spark.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.Gson;
import dev.stepwise.spark.config.StepwiseConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One driver per run: a second holder is refused naming the first, a dead holder's lock is taken
 * over.
 */
class RunLockTest {
  @TempDir Path tmp;
  private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
  private final PrintStream log = new PrintStream(logged, true, StandardCharsets.UTF_8);

  private RunLayout layout() {
    return RunLayout.open(tmp.resolve("run").toString(), new Configuration());
  }

  @Test
  void aSecondHolderIsRefusedWithTheOwnersHostPidAndStartUntilTheFirstReleases() {
    RunLayout layout = layout();
    RunLock first = RunLock.acquire(layout, log);
    RunLock.Owner owner = first.owner();
    assertThat(owner.pid()).isEqualTo(ProcessHandle.current().pid());
    assertThatThrownBy(() -> RunLock.acquire(layout(), log))
        .isInstanceOf(StepwiseException.class)
        .hasMessage(
            "run "
                + layout.root()
                + " is in use by pid "
                + owner.pid()
                + " on "
                + owner.host()
                + " since "
                + owner.started()
                + " (lock "
                + RunLock.path(layout)
                + "); wait for it to finish, or delete the lock if that driver is gone");
    first.close();
    assertThat(tmp.resolve("run/run.lock")).doesNotExist();
    try (RunLock second = RunLock.acquire(layout, log)) {
      assertThat(second.owner().token()).isNotEqualTo(owner.token());
    }
    assertThat(logged.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void aLockWhoseProcessIsDeadIsTakenOverAndItsRunningStagesAreMarkedFailed() throws Exception {
    RunLayout layout = layout();
    String host;
    try (RunLock mine = RunLock.acquire(layout, log)) {
      host = mine.owner().host();
    }
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    long deadPid = gone.pid();
    RunLock.Owner dead = new RunLock.Owner(host, deadPid, "2026-01-01T00:00:00Z", "dead-token");
    Files.writeString(tmp.resolve("run/run.lock"), new Gson().toJson(dead));
    StageRunner runner = new StageRunner(layout, StepwiseConfig.reference());
    runner.run("tasks", null, List.of(), s -> null);
    Manifest manifest = Manifest.load(layout);
    manifest.put(
        new StageRecord(
            "search",
            1,
            StageRecord.RUNNING,
            "2026-01-01T00:00:01Z",
            null,
            "h",
            List.of(),
            Map.of(),
            Map.of(),
            null,
            null,
            null));
    manifest.save(layout);

    try (RunLock taken = RunLock.acquire(layout, log)) {
      assertThat(RunLock.read(layout).token()).isEqualTo(taken.owner().token());
    }
    assertThat(logged.toString(StandardCharsets.UTF_8).strip())
        .isEqualTo(
            "stepwise: run "
                + layout.root()
                + " was locked by pid "
                + deadPid
                + " on "
                + host
                + " since 2026-01-01T00:00:00Z, which is no longer running; taking over");
    StageRecord search = Manifest.load(layout).stage("search", 1).orElseThrow();
    assertThat(search.status()).isEqualTo(StageRecord.FAILED);
    assertThat(search.error())
        .isEqualTo(
            "the driver (pid "
                + deadPid
                + " on "
                + host
                + " since 2026-01-01T00:00:00Z) stopped while the stage ran");
    assertThat(Manifest.load(layout).succeeded("tasks", null)).isPresent();
    try (var names = Files.list(tmp.resolve("run"))) {
      assertThat(names.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("stale"));
    }
  }

  @Test
  void aLiveProcessOrAnotherHostKeepsItsLock() throws Exception {
    RunLayout layout = layout();
    for (RunLock.Owner other :
        List.of(
            new RunLock.Owner("some-other-host", 1, "2026-01-01T00:00:00Z", "t1"),
            new RunLock.Owner(
                InetAddress.getLocalHost().getHostName(),
                ProcessHandle.current().pid(),
                "2026-01-01T00:00:00Z",
                "t2"))) {
      Files.writeString(tmp.resolve("run/run.lock"), new Gson().toJson(other));
      assertThatThrownBy(() -> RunLock.acquire(layout, log))
          .hasMessageContaining("is in use by " + other);
      assertThat(RunLock.read(layout)).isEqualTo(other);
    }
  }

  @Test
  void temporariesAKilledProcessLeftAreRemovedButNotThoseOfAPendingCommit() throws Exception {
    RunLayout layout = layout();
    layout.writeAtomically(layout.configConf(), "a = 1\n");
    Path run = tmp.resolve("run");
    Files.writeString(run.resolve(".config.conf.tmp-1234"), "a = ");
    Files.writeString(run.resolve("..config.conf.tmp-1234.crc"), "crc");
    Files.createDirectories(run.resolve("checkpoints/_tmp-round=2-5678"));
    Files.createDirectories(run.resolve("data/step_pairs/_tmp-abandoned/round=1"));
    Files.createDirectories(run.resolve("data/step_pairs/_tmp-pending/round=1"));
    Files.writeString(
        run.resolve("data/step_pairs/_commit.json"),
        "{\"tmp\":\"" + run.resolve("data/step_pairs/_tmp-pending") + "\",\"moves\":[]}");

    layout.cleanTemporaries();
    try (var names = Files.walk(run)) {
      assertThat(names.map(p -> run.relativize(p).toString()))
          .filteredOn(n -> n.contains("tmp"))
          .containsExactlyInAnyOrder(
              "data/step_pairs/_tmp-pending", "data/step_pairs/_tmp-pending/round=1");
    }
    assertThat(Files.readString(run.resolve("config.conf"))).isEqualTo("a = 1\n");
  }

  @Test
  void aFailedSmallWriteLeavesNoTemporaryAndNamesThePath() throws Exception {
    RunLayout layout = layout();
    Path target = Files.createDirectories(tmp.resolve("run/reports/report.md"));
    Files.writeString(target.resolve("in-the-way"), "x");
    assertThatThrownBy(
            () -> layout.writeAtomically(new org.apache.hadoop.fs.Path(target.toUri()), "text"))
        .isInstanceOf(StepwiseException.class)
        .hasMessageStartingWith("cannot write file:" + target);
    try (var names = Files.list(target.getParent())) {
      assertThat(names.map(p -> p.getFileName().toString())).containsExactly("report.md");
    }
  }
}
