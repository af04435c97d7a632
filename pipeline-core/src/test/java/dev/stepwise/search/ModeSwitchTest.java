package dev.stepwise.search;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** PATS's per-step rule (docs/methods.md §B) on known scores, with the paper's thresholds. */
class ModeSwitchTest {

  static final ModeSwitch PAPER = new ModeSwitch(PatsSettings.paper());

  @ParameterizedTest(name = "{0}, bad_count {1}, r = {2} -> accept {3}, {4}, bad_count {5}")
  @CsvSource({
    // r >= 0.85: one level simpler, floor at simple
    "COMPLEX, 0, 0.90, true, MEDIUM, 0",
    "MEDIUM,  0, 0.85, true, SIMPLE, 0",
    "SIMPLE,  0, 0.99, true, SIMPLE, 0",
    // 0.75 <= r < 0.85: keep the mode
    "MEDIUM,  0, 0.80, true, MEDIUM, 0",
    "SIMPLE,  0, 0.75, true, SIMPLE, 0",
    "COMPLEX, 0, 0.84, true, COMPLEX, 0",
    // 0.4 <= r < 0.75: accept, straight back to complex (never one level only)
    "SIMPLE,  0, 0.74, true, COMPLEX, 0",
    "SIMPLE,  0, 0.40, true, COMPLEX, 0",
    // r < 0.4 with no penalty yet: reject, complex, count it
    "SIMPLE,  0, 0.39, false, COMPLEX, 1",
    "MEDIUM,  0, 0.00, false, COMPLEX, 1",
    // the penalty is used up: the bad step is accepted, complex, count reset
    "COMPLEX, 1, 0.10, true, COMPLEX, 0",
    // a good step after a penalty also resets the count
    "COMPLEX, 1, 0.90, true, MEDIUM, 0",
  })
  void decidesPerTheRule(
      Mode mode, int badCount, double r, boolean accept, Mode next, int nextBadCount) {
    assertThat(PAPER.decide(mode, badCount, r))
        .isEqualTo(new ModeSwitch.Decision(accept, next, nextBadCount));
  }

  @Test
  void penaltyTimesZeroAcceptsEveryBadStepAndALargeOneRejectsThemAll() {
    PatsSettings p = PatsSettings.paper();
    ModeSwitch none =
        new ModeSwitch(new PatsSettings(8, 4, 2, 0.85, 0.75, 0.4, 0, Mode.COMPLEX, 35, true));
    ModeSwitch infinite =
        new ModeSwitch(new PatsSettings(8, 4, 2, 0.85, 0.75, 0.4, 100, Mode.COMPLEX, 35, true));
    assertThat(none.decide(Mode.SIMPLE, 0, 0.1).accept()).isTrue();
    assertThat(infinite.decide(Mode.SIMPLE, 57, 0.1))
        .isEqualTo(new ModeSwitch.Decision(false, Mode.COMPLEX, 58));
    assertThat(p.width(Mode.COMPLEX)).isEqualTo(8);
    assertThat(p.width(Mode.MEDIUM)).isEqualTo(4);
    assertThat(p.width(Mode.SIMPLE)).isEqualTo(2);
  }
}
