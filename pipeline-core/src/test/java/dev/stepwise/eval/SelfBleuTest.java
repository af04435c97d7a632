package dev.stepwise.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class SelfBleuTest {

  private static double bleu(String hypothesis, String... references) {
    return SelfBleu.bleu(
        SelfBleu.tokens(hypothesis), List.of(references).stream().map(SelfBleu::tokens).toList());
  }

  @Test
  void sentenceBleuMatchesHandComputedValues() {
    // Unigrams 5/6 (the x2, cat, on, mat), bigrams 3/5 (the cat, on the, the mat), trigrams 1/4
    // (on the mat), 4-grams 0/3 -> smoothed 0.1/3; same length, no brevity penalty.
    assertThat(bleu("the cat sat on the mat", "the cat is on the mat"))
        .isCloseTo(Math.pow(5 / 6.0 * 3 / 5.0 * 1 / 4.0 * 0.1 / 3, 0.25), within(1e-12))
        .isCloseTo(0.2540663740773074, within(1e-12));
    // All 3 unigrams, 2 bigrams and 1 trigram match; no 4-gram exists (0.1/1); 3 words against
    // 5: brevity penalty exp(1 - 5/3).
    assertThat(bleu("a b c", "a b c d e"))
        .isCloseTo(Math.pow(0.1, 0.25) * Math.exp(1 - 5 / 3.0), within(1e-12));
    // Counts are clipped by the reference: "a" x4 matches twice; the closest reference length
    // (4 and 4) gives no penalty. Bigrams: "a a" x3 against 1 -> 1/3, 3-grams 0/2, 4-grams 0/1.
    assertThat(bleu("a a a a", "a a b c", "c a b a"))
        .isCloseTo(Math.pow(2 / 4.0 * 1 / 3.0 * 0.1 / 2 * 0.1 / 1, 0.25), within(1e-12));
    // Equidistant references (3 and 5 words for 4): the shorter one decides, so no penalty.
    assertThat(bleu("a b c d", "x y z", "a b c d e")).isCloseTo(1.0, within(1e-12));
    assertThat(bleu("x y", "a b c")).isZero(); // no unigram matches
    assertThat(bleu("", "a b c")).isZero();
  }

  @Test
  void selfBleuAveragesEachTextAgainstTheOthers() {
    // The two copies score 1 against each other; the third shares no word: (1 + 1 + 0) / 3.
    assertThat(SelfBleu.of(List.of("a b c d", "a b c d", "e f g h")))
        .isCloseTo(2 / 3.0, within(1e-12));
    assertThat(SelfBleu.of(List.of("Step 1: 2 + 3 = 5", "Step 1: 2 + 3 = 5"))).isEqualTo(1.0);
    assertThat(SelfBleu.of(List.of("the cat sat on the mat", "the cat is on the mat")))
        .isCloseTo(0.2540663740773074, within(1e-12)); // symmetric here: both ways as above
    assertThatThrownBy(() -> SelfBleu.of(List.of("alone"))).hasMessageContaining("two texts");
  }
}
