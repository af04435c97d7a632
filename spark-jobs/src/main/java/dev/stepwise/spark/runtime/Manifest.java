package dev.stepwise.spark.runtime;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.ToNumberPolicy;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * run.json: what ran in this run, with which configuration, and what it produced. It is rewritten
 * whole, atomically, after every stage change, so a reader (Airflow, a notebook, `stepwise run`
 * resuming) never sees half of it.
 */
public final class Manifest {
  public static final int FORMAT_VERSION = 1;
  private static final Gson GSON =
      new GsonBuilder()
          .setPrettyPrinting()
          .serializeNulls()
          .disableHtmlEscaping()
          .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE)
          .create();

  /** The JSON document. */
  private record Document(
      int formatVersion, String run, String configHash, String updated, List<StageRecord> stages) {}

  private final String run;
  private String configHash;
  private final Map<String, StageRecord> stages = new LinkedHashMap<>();

  private Manifest(String run) {
    this.run = run;
  }

  /** Reads run.json, or starts an empty manifest when the run is new. */
  public static Manifest load(RunLayout layout) {
    Manifest manifest = new Manifest(layout.root().toString());
    try {
      if (!layout.fs().exists(layout.runJson())) return manifest;
      Document doc = GSON.fromJson(layout.readText(layout.runJson()), Document.class);
      if (doc == null || doc.stages() == null) throw new JsonParseException("no stages list");
      manifest.configHash = doc.configHash();
      for (StageRecord s : doc.stages()) manifest.stages.put(s.key(), s);
      return manifest;
    } catch (IOException | JsonParseException e) {
      throw new StepwiseException(
          "cannot read "
              + layout.runJson()
              + ": "
              + e.getMessage()
              + " (move it away to start the run's manifest afresh)",
          e);
    }
  }

  public Optional<StageRecord> stage(String name, Integer round) {
    return Optional.ofNullable(stages.get(StageRecord.key(name, round)));
  }

  /** The stage's record if its last run succeeded: what resuming skips. */
  public Optional<StageRecord> succeeded(String name, Integer round) {
    return stage(name, round).filter(s -> StageRecord.SUCCEEDED.equals(s.status()));
  }

  public List<StageRecord> stages() {
    return List.copyOf(stages.values());
  }

  public String configHash() {
    return configHash;
  }

  /**
   * Adds or replaces the stage with the same name and round, and sets the run's current config
   * hash.
   */
  public void put(StageRecord stage) {
    stages.put(stage.key(), stage);
    configHash = stage.configHash();
  }

  /**
   * Marks the stages a dead driver left "running" as failed, so run.json tells what happened;
   * whether there were any.
   */
  public boolean failRunning(String why) {
    boolean any = false;
    for (StageRecord s : List.copyOf(stages.values())) {
      if (StageRecord.RUNNING.equals(s.status())) {
        stages.put(
            s.key(),
            new StageRecord(
                s.name(),
                s.round(),
                StageRecord.FAILED,
                s.started(),
                Instant.now().toString(),
                s.configHash(),
                s.inputs(),
                s.outputs(),
                s.metrics(),
                why,
                s.sections(),
                s.inputIds()));
        any = true;
      }
    }
    return any;
  }

  public void save(RunLayout layout) {
    Document doc =
        new Document(
            FORMAT_VERSION,
            run,
            configHash,
            Instant.now().toString(),
            new ArrayList<>(stages.values()));
    layout.writeAtomically(layout.runJson(), GSON.toJson(doc) + "\n");
  }

  /** Parses run.json text, for readers such as tests and reports. */
  public static List<StageRecord> parseStages(String json) {
    return GSON.fromJson(json, Document.class).stages();
  }
}
