package dev.stepwise.spark.runtime;

import java.util.List;
import java.util.Map;

/**
 * One stage's entry in run.json. A stage is identified by name and round (null for stages that are
 * not per round, such as imports), so "dpo" of round 2 and of round 3 are two entries.
 *
 * @param status running, succeeded or failed
 * @param started ISO-8601 instant
 * @param finished ISO-8601 instant, null while running
 * @param configHash hash of the configuration the stage ran with
 * @param inputs the files or datasets it read
 * @param outputs dataset name to its path relative to the run root
 * @param metrics counts and measurements (numbers, strings, or nested maps)
 * @param error one-line failure reason, null unless failed
 * @param sections hash of each config section the stage's results depend on ("stepwise.search" to
 *     16 hex digits): resuming reruns the stage when one differs (null in runs from before they
 *     were recorded)
 * @param inputIds inputs from outside the run (an M1, imported files) to a fingerprint of their
 *     files' names, sizes and modification times: resuming reruns the stage when one changed
 */
public record StageRecord(
    String name,
    Integer round,
    String status,
    String started,
    String finished,
    String configHash,
    List<String> inputs,
    Map<String, String> outputs,
    Map<String, Object> metrics,
    String error,
    Map<String, String> sections,
    Map<String, String> inputIds) {

  public static final String RUNNING = "running";
  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";

  public String key() {
    return key(name, round);
  }

  public static String key(String name, Integer round) {
    return round == null ? name : name + "@round=" + round;
  }
}
