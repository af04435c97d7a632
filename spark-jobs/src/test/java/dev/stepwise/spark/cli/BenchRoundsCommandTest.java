package dev.stepwise.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stepwise.spark.loop.RoundReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The seeds table: per-seed gains, sums of pairs over rounds, means against the targets. */
class BenchRoundsCommandTest {

  static RoundReport.Row row(
      int round, double accuracy, double judge, Long pairs, Long right, Long inverted) {
    return new RoundReport.Row(
        round, accuracy, Map.of(), judge, pairs, right, inverted, null, null, Map.of(), Map.of());
  }

  @Test
  void meansOverSeedsAreJudgedAgainstTheTargets() {
    BenchRoundsCommand.Outcome gained =
        BenchRoundsCommand.outcome(
            1,
            List.of(
                row(1, 0.60, 0.70, null, null, null),
                row(2, 0.64, 0.69, 30L, 10L, 5L),
                row(3, 0.68, 0.66, 20L, 8L, 2L)));
    BenchRoundsCommand.Outcome flat =
        BenchRoundsCommand.outcome(
            2,
            List.of(
                row(1, 0.60, 0.70, null, null, null),
                row(2, 0.61, 0.70, 10L, 3L, 3L),
                row(3, 0.62, 0.70, 12L, 4L, 4L)));
    assertThat(gained.pairs()).isEqualTo(50);
    assertThat(gained.right()).isEqualTo(18);
    assertThat(gained.gain()).isCloseTo(0.08, Offset.offset(1e-9));

    StringWriter text = new StringWriter();
    BenchRoundsCommand.print(new PrintWriter(text), List.of(gained, flat));
    assertThat(text.toString())
        .contains(
            "  1          60.0%     68.0%    +8.0     70.0%     66.0%    -4.0      50       18/7")
        .contains("mean accuracy gain +5.0 points (target >= +5) ok")
        .contains("mean judge change  -2.0 points (target >= -5) ok");

    StringWriter worse = new StringWriter();
    BenchRoundsCommand.print(new PrintWriter(worse), List.of(flat));
    assertThat(worse.toString()).contains("mean accuracy gain +2.0 points (target >= +5) MISSED");
  }
}
