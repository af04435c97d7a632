package dev.stepwise.spark.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.stepwise.spark.loop.LoopPlan;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `stepwise stages [--json]`: the loop's stages for the configuration, in the order `stepwise run`
 * runs them. Schedulers build their task graph from the JSON form (airflow/stepwise_dag.py), so a
 * scheduler's DAG and the loop cannot drift. Starts no Spark.
 */
@Command(
    name = "stages",
    mixinStandardHelpOptions = true,
    description = {
      "List the loop's stages for the configuration (rounds, alignment) in run order.",
      "--json prints what a scheduler needs per stage: task id, stage, round, the `stepwise` arguments",
      "that run it alone, and the task ids it runs after."
    })
public final class StagesCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(
      names = "--json",
      description = "One JSON document: {\"stages\": [{task_id, stage, round, args, upstream}]}.")
  boolean json;

  @Override
  public Integer call() {
    List<LoopPlan.Step> steps = common.injector().getInstance(LoopPlan.class).steps();
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(toJson(steps));
    } else {
      for (LoopPlan.Step step : steps) {
        out.printf("%-10s %s%n", step.taskId(), "stepwise " + String.join(" ", step.stageArgs()));
      }
    }
    out.flush();
    return 0;
  }

  /** Each stage runs after the one before it: the loop's order (one driver per run at a time). */
  static String toJson(List<LoopPlan.Step> steps) {
    List<Map<String, Object>> stages = new ArrayList<>();
    for (int i = 0; i < steps.size(); i++) {
      LoopPlan.Step step = steps.get(i);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("task_id", step.taskId());
      row.put("stage", step.name());
      row.put("round", step.round());
      row.put("args", step.stageArgs());
      row.put("upstream", i == 0 ? List.of() : List.of(steps.get(i - 1).taskId()));
      stages.add(row);
    }
    Gson gson = new GsonBuilder().serializeNulls().setPrettyPrinting().create();
    return gson.toJson(Map.of("stages", stages));
  }
}
