package dev.stepwise.spark.cli;

import com.google.inject.Injector;
import dev.stepwise.spark.loop.SelfRewardLoop;
import dev.stepwise.spark.runtime.RunLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.commons.io.IOUtils;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `stepwise pats`: PATS and its baselines with M_R (the {@code pats} stage of round R), then the
 * accuracy-versus-tokens table.
 */
@Command(
    name = "pats",
    mixinStandardHelpOptions = true,
    description = {
      "PATS (docs/methods.md §B): PRM-guided step search that switches thinking modes per step"
          + " (complex/medium/simple = 8/4/2 candidates), and the baselines all-simple, all-medium,"
          + " all-complex and the solution-level switch, on the problems of stepwise.pats.prompts,"
          + " sharded over the executors.",
      "Writes search_traces/round=R and reports/pats.md + pats.png in the run, records the stage"
          + " `pats` in run.json and prints the table. Needs M_R (run `stepwise stage sft` or"
          + " `stepwise run` first)."
    })
public final class PatsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(
      names = "--round",
      paramLabel = "R",
      defaultValue = "1",
      description = "Policy M_R (default 1: M1).")
  int round;

  @Option(
      names = "--prm",
      paramLabel = "self|URI",
      description = "stepwise.pats.prm: self, or a PRM checkpoint (from `stepwise prm train`).")
  String prm;

  @Option(names = "--problems", description = "stepwise.pats.problems")
  Integer problems;

  @Option(
      names = "--methods",
      split = ",",
      description = "stepwise.pats.methods, e.g. pats,all_complex")
  List<String> methods;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> flags = new LinkedHashMap<>();
    flags.put("pats.prm", prm);
    flags.put("pats.problems", problems);
    flags.put("pats.methods", methods == null ? null : "[" + String.join(",", methods) + "]");
    common.setFlags(flags);
    Injector injector = common.injector();
    runAndPrint(injector, round, spec.commandLine().getOut());
    return 0;
  }

  /** Runs the pats stage with M_R and prints reports/pats.md (also the demo's last table). */
  static void runAndPrint(Injector injector, int round, PrintWriter out) throws IOException {
    injector.getInstance(SelfRewardLoop.class).runStage("pats", round);
    RunLayout layout = injector.getInstance(RunLayout.class);
    Path report = new Path(layout.reports(), "pats.md");
    try (var in = layout.fs().open(report)) {
      out.print(IOUtils.toString(in, StandardCharsets.UTF_8));
    }
    out.println("wrote " + report);
    out.flush();
  }
}
