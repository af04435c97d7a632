package dev.stepwise.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stepwise.spark.Cli;
import org.junit.jupiter.api.Test;

class HelpTextTest {

  @Test
  void sourceLinesBecomeParagraphsAndExamplesStayLines() {
    assertThat(
            HelpText.paragraphs(
                new String[] {
                  "Run a query over the run's",
                  "datasets. Example:",
                  "  stepwise sql \"SELECT 1\"",
                  "After the example",
                  "more text."
                }))
        .containsExactly(
            "Run a query over the run's datasets. Example:",
            "  stepwise sql \"SELECT 1\"",
            "After the example more text.");
  }

  @Test
  void everyCommandsHelpFitsTheWidthAndHasNoRaggedDescription() {
    for (String command :
        new String[] {
          "run", "stage", "stages", "sql", "sft", "import", "demo", "bench", "doctor", "pats", "prm"
        }) {
      Cli.Result help = Cli.runLocal(command, "--help");
      assertThat(help.exitCode()).as(command).isZero();
      assertThat(help.out().lines())
          .as(command)
          .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(HelpText.WIDTH));
    }
    // sft's description was four source lines; now it is one paragraph wrapped at the width.
    assertThat(Cli.runLocal("sft", "--help").out())
        .contains("checkpoints; then evaluates held-out reasoning");
  }
}
