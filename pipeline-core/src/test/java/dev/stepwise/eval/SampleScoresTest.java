package dev.stepwise.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SampleScoresTest {

  /**
   * Samples with these answers (null: none) of a problem whose gold is 5, all with the same text
   * (Self-BLEU 1).
   */
  private static List<SampleScores.Sample> answers(String... predicted) {
    List<SampleScores.Sample> out = new ArrayList<>();
    for (int i = 0; i < predicted.length; i++)
      out.add(
          new SampleScores.Sample(i, predicted[i], "5".equals(predicted[i]), "Step 1: 2 + 3 = 5"));
    return out;
  }

  @Test
  void majorityVoteDistinctAnswersAndAccuracyOfOneProblem() {
    SampleScores.Problem tie = SampleScores.Problem.of(answers("7", "5", "7", null, "5"));
    // 7 and 5 have two votes each; 7 was sampled first, so the vote is wrong.
    assertThat(tie).isEqualTo(new SampleScores.Problem(5, 2, false, 2, 1.0));
    // The same samples in another order of arrival: the sample index decides, not the list order.
    List<SampleScores.Sample> shuffled = new ArrayList<>(answers("7", "5", "7", null, "5"));
    java.util.Collections.reverse(shuffled);
    assertThat(SampleScores.Problem.of(shuffled)).isEqualTo(tie);
    assertThat(SampleScores.Problem.of(answers("5", "7", "5")).majorityCorrect()).isTrue();
    assertThat(SampleScores.Problem.of(answers(null, null, "5")))
        .as("samples without an answer do not vote")
        .isEqualTo(new SampleScores.Problem(3, 1, true, 1, 1.0));
    assertThat(SampleScores.Problem.of(answers(null, null)))
        .isEqualTo(new SampleScores.Problem(2, 0, false, 0, 1.0));
  }

  @Test
  void aStrategysScoreAndTheCombinedScore() {
    SampleScores.Score score =
        SampleScores.Score.of(
            List.of(
                new SampleScores.Problem(5, 2, false, 2, 0.5),
                new SampleScores.Problem(5, 5, true, 1, 1.0)));
    assertThat(score.accuracy()).isCloseTo(70.0, within(1e-12)); // 7 of 10 samples
    assertThat(score.majorityAccuracy()).isCloseTo(50.0, within(1e-12));
    assertThat(score.distinctAnswers()).isCloseTo(1.5, within(1e-12));
    assertThat(score.selfBleu()).isCloseTo(75.0, within(1e-12));
    assertThat(score.diversity()).isCloseTo(25.0, within(1e-12));
    // 2 * 70 * 25 / (70 + 25)
    assertThat(score.eda()).isCloseTo(36.8421052631579, within(1e-12));

    assertThat(SampleScores.edaProxy(60, 60)).isCloseTo(60, within(1e-12));
    assertThat(SampleScores.edaProxy(80, 20)).isCloseTo(32, within(1e-12));
    assertThat(SampleScores.edaProxy(90, 0)).as("identical samples: no diversity").isZero();
    assertThat(SampleScores.edaProxy(0, 0)).isZero();
  }
}
