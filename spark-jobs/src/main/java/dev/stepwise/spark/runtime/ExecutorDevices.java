package dev.stepwise.spark.runtime;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.cuda.CudaUtils;
import dev.stepwise.train.TorchThreads;
import java.io.Serializable;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * Where a task's model runs ({@code stepwise.device}): on the GPU Spark assigned the task, or the
 * CPU, and never silently on the CPU when a GPU was asked for. A task that Spark gave a GPU (or any
 * task under {@code stepwise.device = gpu}) on an engine without CUDA fails with one line naming
 * the executor, the engine's flavour and how to give it the CUDA libtorch.
 */
public final class ExecutorDevices {
  /**
   * The Hadoop configuration key (and config key) that carries {@code stepwise.device} to
   * executors; library users set it as {@code spark.hadoop.stepwise.device}.
   */
  public static final String KEY = "stepwise.device";

  /** The values of {@code stepwise.device}. */
  public enum Setting {
    /** The GPU Spark assigned the task (which then needs CUDA), else the CPU. */
    AUTO,
    /** The CPU, even where Spark assigned a GPU (a CPU-only run, or simulated GPUs). */
    CPU,
    /** A GPU always: the assigned one, else GPU 0; an engine without CUDA fails. */
    GPU;

    public static Setting parse(String value) {
      for (Setting s : values()) if (s.name().equalsIgnoreCase(value)) return s;
      throw new IllegalArgumentException(
          KEY + " must be \"auto\", \"cpu\" or \"gpu\", found \"" + value + "\"");
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * What this JVM (or task) would run a model on, as {@code stepwise doctor} prints it.
   *
   * @param gpus the GPU addresses Spark assigned the task ("" for none)
   * @param runsOn the device a model would load on, or null when {@code error} says why none
   */
  public record Report(
      String executor,
      String host,
      String engine,
      String flavour,
      String libtorch,
      boolean cuda,
      int cudaDevices,
      String gpus,
      int threads,
      String runsOn,
      String error)
      implements Serializable {

    /** The CUDA device ids the engine sees: "0,1", or "none". */
    public String cudaDeviceIds() {
      return cudaDevices == 0
          ? "none"
          : IntStream.range(0, cudaDevices)
              .mapToObj(Integer::toString)
              .collect(Collectors.joining(","));
    }
  }

  private static final Pattern FLAVOUR =
      Pattern.compile("-(cpu(?:-precxx11)?|cu\\d+\\w*|rocm[\\w.]*)-[a-z]+-[\\w]+$");

  private ExecutorDevices() {}

  /** The running task's device under the setting in {@code conf} (default auto). */
  public static Device forTask(Configuration conf) {
    Setting setting = Setting.parse(conf.get(KEY, Setting.AUTO.toString()));
    return choose(setting, assignedGpus(), Engine.getInstance().hasCapability("CUDA"));
  }

  /**
   * The device for {@code setting}, given the GPU addresses Spark assigned (empty for none) and
   * whether the engine can use CUDA; a GPU the engine cannot use is a StepwiseException.
   */
  static Device choose(Setting setting, String[] gpus, boolean cuda) {
    if (setting == Setting.CPU || (setting == Setting.AUTO && gpus.length == 0))
      return Device.cpu();
    if (!cuda) throw new StepwiseException(noCuda(setting, gpus));
    return Device.gpu(gpus.length == 0 ? 0 : Integer.parseInt(gpus[0]));
  }

  /**
   * What this JVM would run on: in a task, the task's GPU and thread count as a model-bearing task
   * of a stage gets them; on the driver, the JVM's own.
   */
  public static Report probe(Setting setting) {
    TaskContext task = TaskContext.get();
    if (task != null) TorchThreads.byDefault(task.cpus(), true);
    Engine engine = Engine.getInstance();
    boolean cuda = engine.hasCapability("CUDA");
    String[] gpus = assignedGpus();
    String runsOn = null, error = null;
    try {
      runsOn = choose(setting, gpus, cuda).toString();
    } catch (StepwiseException e) {
      error = e.getMessage();
    }
    return new Report(
        executorId(),
        host(),
        engine.getEngineName() + " " + engine.getVersion(),
        flavour(),
        libtorch(),
        cuda,
        cuda ? CudaUtils.getGpuCount() : 0,
        String.join(",", gpus),
        TorchThreads.get(),
        runsOn,
        error);
  }

  private static String noCuda(Setting setting, String[] gpus) {
    String asked =
        gpus.length > 0
            ? "was assigned GPU " + String.join(",", gpus) + " by Spark"
            : "has stepwise.device = " + setting;
    Engine engine = Engine.getInstance();
    return "executor "
        + executorId()
        + " on "
        + host()
        + " "
        + asked
        + " but its engine cannot use CUDA ("
        + engine.getEngineName()
        + " "
        + engine.getVersion()
        + ", flavour "
        + flavour()
        + "): give executors the CUDA libtorch"
        + " (spark.executorEnv.PYTORCH_LIBRARY_PATH=/opt/libtorch/lib, PYTORCH_FLAVOR=cu128,"
        + " PYTORCH_VERSION=2.7.1; docs/gpu-cluster.md), or set stepwise.device=cpu to run on"
        + " the CPU";
  }

  private static String[] assignedGpus() {
    TaskContext task = TaskContext.get();
    ResourceInformation gpu = task == null ? null : task.resourcesJMap().get("gpu");
    return gpu == null ? new String[0] : gpu.addresses();
  }

  /**
   * The flavour of the libtorch the engine loaded (cpu, cu128, ...), from its directory's name (DJL
   * names it version-flavour-platform), else DJL's PYTORCH_FLAVOR; "unknown" when neither says.
   */
  static String flavour() {
    Matcher m = FLAVOUR.matcher(libtorch());
    if (m.find()) return m.group(1);
    String set = System.getenv("PYTORCH_FLAVOR");
    if (set == null) set = System.getProperty("PYTORCH_FLAVOR");
    return set == null ? "unknown" : set;
  }

  private static String libtorch() {
    Engine.getInstance(); // loads the library first
    String path = LibUtils.getLibtorchPath();
    return path == null ? "" : path;
  }

  private static String executorId() {
    SparkEnv env = SparkEnv.get();
    return env == null ? "driver" : env.executorId();
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "unknown host";
    }
  }
}
