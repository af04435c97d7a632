package dev.stepwise.spark.runtime;

import java.util.Arrays;
import java.util.Map;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * Where a task ran: its executor and the GPU addresses Spark assigned to it. Jobs record these in
 * their manifest metrics so a run shows it really used every executor and GPU.
 */
public final class TaskPlacement {
  private TaskPlacement() {}

  /** "executor=1 gpu=0" for the calling task; "gpu=none" when the task got no GPU. */
  public static String current() {
    TaskContext task = TaskContext.get();
    Map<String, ResourceInformation> resources = task == null ? Map.of() : task.resourcesJMap();
    ResourceInformation gpu = resources.get("gpu");
    String gpus = gpu == null ? "none" : String.join(",", Arrays.asList(gpu.addresses()));
    return "executor=" + SparkEnv.get().executorId() + " gpu=" + gpus;
  }
}
