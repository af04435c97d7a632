package dev.stepwise.spark.runtime;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.Path;

/**
 * {@code <run>/run.lock}: one driver at a time per run. Created with overwrite=false, which is
 * atomic on every Hadoop FileSystem (HDFS, S3A with conditional writes, the local disk). A lock
 * whose owner is gone (same host, process not alive) is taken over, and the takeover is logged; one
 * held by a live process, or by another host, refuses the second driver with one line.
 */
public final class RunLock implements AutoCloseable {
  private static final Gson GSON = new Gson();

  /** The locks this process holds, by run root: the commands of one JVM share them. */
  private static final Map<String, RunLock> HELD = new LinkedHashMap<>();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(RunLock::releaseAll, "stepwise-run-lock-release"));
  }

  /** What the lock file says about its holder. */
  public record Owner(String host, long pid, String started, String token) {
    @Override
    public String toString() {
      return "pid " + pid + " on " + host + " since " + started;
    }
  }

  private final RunLayout layout;
  private final Owner owner;

  private RunLock(RunLayout layout, Owner owner) {
    this.layout = layout;
    this.owner = owner;
  }

  public Owner owner() {
    return owner;
  }

  public static Path path(RunLayout layout) {
    return new Path(layout.root(), "run.lock");
  }

  /**
   * The lock of this process for the run: taken now, or the one an earlier command of this JVM
   * took. Released by {@link #releaseAll} when the command ends (and at JVM exit).
   */
  public static synchronized RunLock forProcess(RunLayout layout, PrintStream log) {
    RunLock held = HELD.get(layout.root().toString());
    if (held != null) return held;
    RunLock lock = acquire(layout, log);
    HELD.put(layout.root().toString(), lock);
    return lock;
  }

  public static synchronized void releaseAll() {
    for (RunLock lock : HELD.values()) lock.close();
    HELD.clear();
  }

  /**
   * Takes the run's lock as a new holder; fails with one line naming the owner when it is in use.
   */
  public static RunLock acquire(RunLayout layout, PrintStream log) {
    Path path = path(layout);
    Owner me =
        new Owner(
            hostName(),
            ProcessHandle.current().pid(),
            Instant.now().toString(),
            UUID.randomUUID().toString());
    try {
      for (int attempt = 0; ; attempt++) {
        try {
          createExclusive(layout, path, GSON.toJson(me).getBytes(StandardCharsets.UTF_8));
          return new RunLock(layout, me);
        } catch (FileAlreadyExistsException | java.nio.file.FileAlreadyExistsException exists) {
          Owner other = read(layout);
          if (attempt > 0 || other == null || !isDeadHere(other)) throw inUse(layout, other);
          takeOver(layout, other, log);
        }
      }
    } catch (IOException e) {
      throw new StepwiseException(
          "cannot lock run " + layout.root() + " (" + path + "): " + e.getMessage(), e);
    }
  }

  /**
   * Creates a file that must not exist yet. Hadoop's local file system checks, then creates (a
   * race); on a local disk the JDK's CREATE_NEW is atomic, elsewhere create(overwrite=false) is.
   */
  private static void createExclusive(RunLayout layout, Path path, byte[] bytes)
      throws IOException {
    if ("file".equals(path.toUri().getScheme())) {
      Files.write(
          java.nio.file.Path.of(path.toUri()),
          bytes,
          StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE);
      return;
    }
    try (OutputStream out = layout.fs().create(path, false)) {
      out.write(bytes);
    }
  }

  /** The current holder, or null when there is none or its file is still being written. */
  public static Owner read(RunLayout layout) throws IOException {
    return readOwner(layout, path(layout));
  }

  private static boolean isDeadHere(Owner owner) {
    return owner.host().equals(hostName())
        && ProcessHandle.of(owner.pid()).map(p -> !p.isAlive()).orElse(true);
  }

  /**
   * Moves the dead owner's lock aside under a unique name: of two drivers taking over at once only
   * one rename succeeds, and the other then finds the winner's new lock.
   */
  private static void takeOver(RunLayout layout, Owner dead, PrintStream log) throws IOException {
    Path aside = new Path(layout.root(), ".run.lock.stale-" + UUID.randomUUID());
    if (!layout.fs().rename(path(layout), aside)) return;
    Owner moved = readOwner(layout, aside);
    if (moved == null || !Objects.equals(moved.token(), dead.token())) {
      layout
          .fs()
          .rename(
              aside, path(layout)); // another driver took over first: give its lock back and refuse
      throw inUse(layout, moved);
    }
    layout.fs().delete(aside, false);
    Manifest manifest = Manifest.load(layout);
    if (manifest.failRunning("the driver (" + dead + ") stopped while the stage ran"))
      manifest.save(layout);
    log.println(
        "stepwise: run "
            + layout.root()
            + " was locked by "
            + dead
            + ", which is no longer running; taking over");
    log.flush();
  }

  private static Owner readOwner(RunLayout layout, Path path) throws IOException {
    try {
      return GSON.fromJson(layout.readText(path), Owner.class);
    } catch (JsonParseException | FileNotFoundException e) { // being written, or just released
      return null;
    }
  }

  private static StepwiseException inUse(RunLayout layout, Owner other) {
    String who = other == null ? "another driver that is starting" : other.toString();
    return new StepwiseException(
        "run "
            + layout.root()
            + " is in use by "
            + who
            + " (lock "
            + path(layout)
            + "); wait for it to finish, or delete the lock if that driver is gone");
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return Objects.requireNonNullElse(System.getenv("HOSTNAME"), "localhost");
    }
  }

  /** Deletes the lock if it is still this holder's. */
  @Override
  public void close() {
    try {
      Owner current = read(layout);
      if (current != null && owner.token().equals(current.token()))
        layout.fs().delete(path(layout), false);
    } catch (IOException ignored) {
      // A lock that cannot be removed is taken over by the next driver on this host.
    }
  }
}
