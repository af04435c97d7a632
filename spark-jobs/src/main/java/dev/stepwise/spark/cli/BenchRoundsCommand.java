package dev.stepwise.spark.cli;

import com.google.inject.Injector;
import dev.stepwise.spark.loop.RoundReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `stepwise bench rounds`: does self-rewarding improve the model? The demo's loop (its settings,
 * from the shipped M1) once per seed, each in its own run directory, then M1 against the last
 * round's model per seed and on average, against the targets: at least +5 points of held-out
 * accuracy, at most 5 points of judge accuracy lost.
 */
@Command(
    name = "rounds",
    mixinStandardHelpOptions = true,
    description = {
      "The self-rewarding loop over several seeds, M1 vs the last round's model, against the targets",
      "(held-out accuracy +5 points on average, judge accuracy down at most 5 points). Uses the demo's settings",
      "(conf/demo.conf, the shipped M1) unless --config / --set say otherwise; each seed runs in <run>/seed=S",
      "(default run: runs/bench-rounds) and resumes there when rerun."
    })
public final class BenchRoundsCommand implements Callable<Integer> {
  static final double ACCURACY_GAIN = 0.05, JUDGE_DROP = 0.05;

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(
      names = "--seeds",
      split = ",",
      defaultValue = "1,2,3",
      description = "Run seeds (default ${DEFAULT-VALUE}).")
  List<Long> seeds;

  /** M1 and the last round's model of one seed's run. */
  record Outcome(
      long seed,
      RoundReport.Row first,
      RoundReport.Row last,
      long pairs,
      long right,
      long inverted) {
    double gain() {
      return last.accuracy() - first.accuracy();
    }

    double judgeChange() {
      return last.judgeAccuracy() - first.judgeAccuracy();
    }
  }

  @Override
  public Integer call() throws IOException {
    DemoCommand.useDemoSettings(common);
    // Only the rounds are measured here; the demo's multilingual part would only add time.
    common.sets.putIfAbsent("stepwise.align.enabled", "false");
    String base = common.run != null ? common.run : "runs/bench-rounds";
    PrintWriter out = spec.commandLine().getOut();
    List<Outcome> outcomes = new ArrayList<>();
    for (long seed : seeds) {
      common.run = base + "/seed=" + seed;
      common.sets.put("stepwise.run.seed", Long.toString(seed));
      Injector injector = common.injector();
      RunCommand.runLoop(injector, out);
      outcomes.add(outcome(seed, injector.getInstance(RoundReport.class).rows()));
    }
    print(out, outcomes);
    return 0;
  }

  static Outcome outcome(long seed, List<RoundReport.Row> rows) {
    RoundReport.Row first = rows.get(0), last = rows.get(rows.size() - 1);
    long pairs = 0, right = 0, inverted = 0;
    for (RoundReport.Row r : rows) {
      pairs += r.pairs() == null ? 0 : r.pairs();
      right += r.pairsRight() == null ? 0 : r.pairsRight();
      inverted += r.pairsInverted() == null ? 0 : r.pairsInverted();
    }
    return new Outcome(seed, first, last, pairs, right, inverted);
  }

  static void print(PrintWriter out, List<Outcome> outcomes) {
    out.println("bench rounds: M1 vs the last round's model, per seed");
    out.printf(
        "  %-6s %9s %9s %8s %9s %9s %8s %7s %10s%n",
        "seed",
        "M1 acc",
        "last acc",
        "gain",
        "M1 judge",
        "last jdg",
        "change",
        "pairs",
        "right/inv");
    double gain = 0, judge = 0;
    for (Outcome o : outcomes) {
      out.printf(
          Locale.ROOT,
          "  %-6d %8.1f%% %8.1f%% %+7.1f %8.1f%% %8.1f%% %+7.1f %7d %10s%n",
          o.seed(),
          100 * o.first().accuracy(),
          100 * o.last().accuracy(),
          100 * o.gain(),
          100 * o.first().judgeAccuracy(),
          100 * o.last().judgeAccuracy(),
          100 * o.judgeChange(),
          o.pairs(),
          o.right() + "/" + o.inverted());
      gain += o.gain() / outcomes.size();
      judge += o.judgeChange() / outcomes.size();
    }
    out.printf(
        Locale.ROOT,
        "  mean accuracy gain %+.1f points (target >= +%.0f) %s%n",
        100 * gain,
        100 * ACCURACY_GAIN,
        gain >= ACCURACY_GAIN ? "ok" : "MISSED");
    out.printf(
        Locale.ROOT,
        "  mean judge change  %+.1f points (target >= -%.0f) %s%n",
        100 * judge,
        100 * JUDGE_DROP,
        judge >= -JUDGE_DROP ? "ok" : "MISSED");
    out.flush();
  }
}
