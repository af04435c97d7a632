package dev.stepwise.spark.cli;

import com.google.gson.GsonBuilder;
import dev.stepwise.generate.Generator;
import dev.stepwise.sampling.FixedSampler;
import dev.stepwise.sampling.SamplingConfig;
import dev.stepwise.selfreward.ModelPairJudge;
import dev.stepwise.selfreward.ModelStepProposer;
import dev.stepwise.selfreward.StepDiagnostic;
import dev.stepwise.selfreward.StepSearch;
import dev.stepwise.spark.config.ModelConfig;
import dev.stepwise.spark.config.PromptsConfig;
import dev.stepwise.spark.config.RunConfig;
import dev.stepwise.spark.config.SelfRewardConfig;
import dev.stepwise.spark.config.TasksConfig;
import dev.stepwise.spark.runtime.RunLayout;
import dev.stepwise.spark.runtime.StepwiseException;
import dev.stepwise.tasks.Split;
import dev.stepwise.tasks.TaskGenerator;
import dev.stepwise.text.ChatFormat;
import dev.stepwise.text.PromptTemplates;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `stepwise bench steps`: are the judge's chosen steps better than the steps greedy decoding
 * already takes? (StepDiagnostic.) With the search settings of the demo (or --config/--set), on
 * held-out problems; printed as it goes, and written to the run's reports/steps.md and steps.json
 * when --run is given.
 */
@Command(
    name = "steps",
    mixinStandardHelpOptions = true,
    description = {
      "Step accuracy on the same prefixes (held-out problems, the reference steps before the step) of the",
      "greedy step, one candidate sampled as the search samples, the judge's chosen and rejected step of the",
      "search's w candidates (judged as the search stage judges), and an oracle best-of-w; counts with Wilson",
      "95% intervals, on all prefixes and on those where the judge decided (a pair for DPO). Held-out accuracy",
      "is greedy: DPO toward the chosen steps can only lift it when they beat the greedy step. Uses the demo's",
      "settings (conf/demo.conf) unless --config / --set say otherwise; with --run also written to",
      "<run>/reports/steps.md and steps.json."
    })
public final class BenchStepsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(
      names = "--policy",
      paramLabel = "DIR",
      description = "Model that proposes and judges the steps (default: stepwise.demo.m1).")
  Path policy;

  @Option(
      names = "--problems",
      defaultValue = "200",
      description =
          "Held-out (eval split) problems, every step of each (default ${DEFAULT-VALUE}).")
  int problems;

  @Option(
      names = "--batch",
      defaultValue = "50",
      description = "Problems per batch; a progress line after each (default ${DEFAULT-VALUE}).")
  int batch;

  @Override
  public Integer call() throws Exception {
    boolean stored = common.run != null;
    DemoCommand.useDemoSettings(common);
    var injector = common.injector();
    SelfRewardConfig c = injector.getInstance(SelfRewardConfig.class);
    TasksConfig tasksConfig = injector.getInstance(TasksConfig.class);
    TaskGenerator tasks = tasksConfig.generator();
    PromptTemplates templates = injector.getInstance(PromptsConfig.class).templates();
    long seed = injector.getInstance(RunConfig.class).seed();
    String m1 = common.config().raw().getString("stepwise.model.m1");
    if (policy == null && m1.isEmpty())
      throw new StepwiseException(
          "no model to measure: pass --policy DIR or set stepwise.model.m1");
    Path dir = policy != null ? policy : Path.of(m1);
    PrintWriter out = spec.commandLine().getOut();
    String settings =
        String.format(
            Locale.ROOT,
            "w = %d, sampling %s, judge both orders %s, copies agree %s, pairs.min_margin %d,"
                + " seed %d",
            c.search().candidates(),
            sampling(c.sampling()),
            c.search().judgeBothOrders(),
            c.search().copiesAgree(),
            c.minMargin(),
            seed);
    out.printf("bench steps: %s, %d held-out problems, %s%n", dir, problems, settings);
    out.flush();
    List<StepDiagnostic.Outcome> outcomes = new ArrayList<>();
    try (LoadedModel loaded = LoadedModel.open(dir, injector.getInstance(ModelConfig.class))) {
      ChatFormat chat = new ChatFormat(loaded.tokenizer());
      Generator generator = loaded.generator(c.generationBatch());
      StepSearch search =
          new StepSearch(
              c.search(),
              new ModelStepProposer(
                  generator, chat, templates, c.sampling().strategy(), c.maxStepTokens()),
              new ModelPairJudge(generator, chat, templates, c.maxJudgeTokens(), c.judgeMode()));
      StepDiagnostic diagnostic =
          new StepDiagnostic(
              tasks,
              new ModelStepProposer(
                  generator, chat, templates, FixedSampler.greedy(), c.maxStepTokens()),
              search,
              c.search().candidates(),
              seed);
      long start = System.nanoTime();
      for (int from = 0; from < problems; from += batch) {
        int first = from, count = Math.min(batch, problems - from);
        outcomes.addAll(
            LoadedModel.userErrors(
                () -> diagnostic.run(Split.EVAL, first, count, tasksConfig.languages())));
        StepDiagnostic.Table t = StepDiagnostic.Table.of(outcomes, c.minMargin());
        out.printf(
            Locale.ROOT,
            "  %d/%d problems, %d prefixes, %d decided: greedy %.1f%%, chosen %.1f%% (decided),"
                + " %.0fs%n",
            first + count,
            problems,
            t.prefixes(),
            t.decided(),
            100 * t.rows().get(0).decided().value(),
            100 * t.rows().get(2).decided().value(),
            (System.nanoTime() - start) / 1e9);
        out.flush();
      }
    }
    StepDiagnostic.Table table = StepDiagnostic.Table.of(outcomes, c.minMargin());
    String text = table(table) + byMargin(outcomes, c.search().candidates());
    out.print(text);
    out.flush();
    if (stored) {
      RunLayout layout =
          RunLayout.open(injector.getInstance(RunConfig.class).dir(), new Configuration());
      layout.writeAtomically(
          new org.apache.hadoop.fs.Path(layout.reports(), "steps.md"),
          "# Step accuracy: greedy vs the judge's choices\n\n`stepwise bench steps` on "
              + dir
              + ", "
              + problems
              + " held-out problems, "
              + settings
              + ".\n\n```\n"
              + text
              + "```\n");
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("policy", dir.toString());
      json.put("problems", problems);
      json.put("candidates", c.search().candidates());
      json.put("sampling", sampling(c.sampling()));
      json.put("judge_both_orders", c.search().judgeBothOrders());
      json.put("copies_agree", c.search().copiesAgree());
      json.put("min_margin", c.minMargin());
      json.put("seed", seed);
      json.put("table", table);
      json.put("outcomes", outcomes);
      layout.writeAtomically(
          new org.apache.hadoop.fs.Path(layout.reports(), "steps.json"),
          new GsonBuilder()
                  .setPrettyPrinting()
                  .serializeSpecialFloatingPointValues()
                  .create()
                  .toJson(json)
              + "\n");
      out.println("wrote " + layout.reports() + "/steps.md and steps.json");
    }
    return 0;
  }

  /** The table: per row the right steps on all prefixes and on the decided ones, each ± 95%. */
  static String table(StepDiagnostic.Table t) {
    StringWriter s = new StringWriter();
    PrintWriter w = new PrintWriter(s);
    w.printf(
        "  %-18s %-32s %-32s%n",
        "step",
        "all prefixes (" + t.prefixes() + ")",
        "pairs, margin >= " + Math.max(1, t.minMargin()) + " (" + t.decided() + ")");
    for (StepDiagnostic.Row r : t.rows())
      w.printf("  %-18s %-32s %-32s%n", r.name(), cell(r.all()), cell(r.decided()));
    String gain =
        t.decided() == 0
            ? "none decided (no pair reached the margin)"
            : String.format(Locale.ROOT, "%+.1f ± %.1f points", 100 * t.gain(), 100 * t.gainHalf());
    w.printf(
        Locale.ROOT,
        "  chosen - greedy on decided prefixes: %s; %.2f distinct candidates a prefix%n",
        gain,
        t.meanDistinct());
    w.flush();
    return s.toString();
  }

  /**
   * Greedy, chosen and rejected on the prefixes of each least win margin: does a larger
   * pairs.min_margin keep only pairs whose chosen step beats greedy?
   */
  static String byMargin(List<StepDiagnostic.Outcome> outcomes, int candidates) {
    StringWriter s = new StringWriter();
    PrintWriter w = new PrintWriter(s);
    w.printf(
        "  %-12s %9s %-24s %-24s %-24s%n", "margin >=", "prefixes", "greedy", "chosen", "rejected");
    for (int m = 1; m < candidates; m++) {
      StepDiagnostic.Table t = StepDiagnostic.Table.of(outcomes, m);
      if (t.decided() == 0) break;
      w.printf(
          "  %-12d %9d %-24s %-24s %-24s%n",
          m,
          t.decided(),
          cell(t.rows().get(0).decided()),
          cell(t.rows().get(2).decided()),
          cell(t.rows().get(3).decided()));
    }
    w.flush();
    return s.toString();
  }

  private static String cell(StepDiagnostic.Rate r) {
    if (r == null) return "-";
    if (r.total() == 0) return "0/0";
    double[] wilson = r.wilson();
    return String.format(
        Locale.ROOT,
        "%d/%d %5.1f%% [%.1f, %.1f]",
        r.right(),
        r.total(),
        100 * r.value(),
        100 * Math.max(0, wilson[0] - wilson[1]),
        100 * Math.min(1, wilson[0] + wilson[1]));
  }

  /** The search's sampling as the config names it. */
  static String sampling(SamplingConfig s) {
    return switch (s.mode()) {
      case "fixed" ->
          String.format(Locale.ROOT, "T %s top-k %d top-p %s", s.temperature(), s.topK(), s.topP());
      case "greedy" -> "greedy";
      default ->
          String.format(
              Locale.ROOT,
              "%s (T0 %s, theta %s, N %s, top-p %s)",
              s.mode(),
              s.edtT0(),
              s.edtTheta(),
              s.edtN(),
              s.topP());
    };
  }
}
