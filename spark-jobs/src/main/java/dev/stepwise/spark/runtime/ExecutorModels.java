package dev.stepwise.spark.runtime;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.stepwise.generate.PrefixCache;
import dev.stepwise.model.Checkpoint;
import dev.stepwise.model.LlamaModel;
import dev.stepwise.model.lora.AdapterDirectory;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.HfTokenizer;
import dev.stepwise.train.TorchThreads;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;

/**
 * The models loaded in this executor JVM, one per (checkpoint, device): a stage's tasks share the
 * model their executor loaded for the first of them (inference from several tasks at once is safe;
 * each generation uses its own NDManager scope). This is per-JVM state on purpose: Spark hands
 * tasks deserialized closures, and reloading a model per task would dominate.
 */
public final class ExecutorModels {

  /**
   * A loaded policy: the decoder (with its adapter when the checkpoint is an adapter directory),
   * its tokenizer (and the local directory of its files), chat format, where it runs, and the
   * executor's cache of recent prompt prefixes on it, which every task's generator with shared
   * prefixes uses (thread-safe; its arrays live under the model's manager and go with it).
   */
  public record Loaded(
      LlamaModel model,
      HfTokenizer tokenizer,
      ChatFormat chat,
      Device device,
      Path tokenizerDir,
      PrefixCache prefixes) {}

  /**
   * The Hadoop configuration key that carries {@code stepwise.model.dtype} to executors (the driver
   * sets it when it makes the session; tasks get it with the configuration they already receive).
   */
  public static final String DTYPE_KEY = "stepwise.model.dtype";

  /**
   * The Hadoop configuration key that carries {@code stepwise.search.prefix_cache_mb} to executors
   * (set like {@link #DTYPE_KEY}; the bound of a model's prefix cache is the one of its first
   * load).
   */
  public static final String PREFIX_CACHE_KEY = "stepwise.search.prefix_cache_mb";

  /** The prefix cache's bound when the configuration does not carry one. */
  static final long DEFAULT_PREFIX_CACHE_MB = 256;

  private record Key(String uri, Device device, String dtype) {}

  private static final Map<Key, Loaded> LOADED = new ConcurrentHashMap<>();

  private ExecutorModels() {}

  /**
   * The model at {@code uri} on this task's device ({@link ExecutorDevices#forTask}: a GPU the
   * engine cannot use fails here, before any work), loading it on first use in this JVM. Inside a
   * task, torch uses the task's {@code spark.task.cpus} threads (unless the executor was started
   * with {@code ai.djl.pytorch.num_threads}): more would oversubscribe the executor's other slots.
   */
  public static Loaded get(String uri, Configuration conf) {
    useTaskThreads();
    Key key = new Key(uri, ExecutorDevices.forTask(conf), conf.get(DTYPE_KEY, "auto"));
    return LOADED.computeIfAbsent(key, k -> load(k, conf));
  }

  /**
   * A private, trainable copy (training mutates weights, so it never shares the cached one), in
   * float32 whatever stepwise.model.dtype says (see {@link
   * dev.stepwise.train.LlamaTrainable#F32_ONLY}).
   */
  public static Loaded loadFresh(String uri, Configuration conf) {
    useTaskThreads();
    return load(new Key(uri, ExecutorDevices.forTask(conf), "float32"), conf);
  }

  /**
   * Inside a task, the task's {@code spark.task.cpus} threads, set at every model use: the thread
   * count decides the order of torch's sums, so a stage's numbers must not depend on which stages
   * ran before it in this JVM (a driver that ran the search trained DPO with other threads than one
   * that resumed at dpo, and its M2 differed in the last bits).
   */
  private static void useTaskThreads() {
    TaskContext task = TaskContext.get();
    if (task != null) TorchThreads.byDefault(task.cpus(), true);
  }

  private static Loaded load(Key key, Configuration conf) {
    Path dir = Checkpoints.localize(key.uri(), conf);
    AdapterDirectory.BaseLocator bases =
        base -> Checkpoints.localize(base, conf); // an adapter's base, copied like it
    try {
      NDManager manager = NDManager.newBaseManager(key.device());
      LlamaModel model =
          Checkpoint.load(dir, manager, Checkpoint.computeDtype(key.dtype(), key.device()), bases);
      Path tokenizerDir = AdapterDirectory.tokenizerDir(dir, bases);
      HfTokenizer tokenizer = HfTokenizer.load(tokenizerDir);
      long cacheBytes = conf.getLong(PREFIX_CACHE_KEY, DEFAULT_PREFIX_CACHE_MB) << 20;
      return new Loaded(
          model,
          tokenizer,
          new ChatFormat(tokenizer),
          key.device(),
          tokenizerDir,
          new PrefixCache(model, null, cacheBytes));
    } catch (IOException | RuntimeException e) {
      throw new StepwiseException(
          "cannot load the model at " + key.uri() + ": " + e.getMessage(), e);
    }
  }
}
