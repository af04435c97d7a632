package dev.stepwise.eval;

import java.io.Serializable;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Quality and diversity of k samples per problem, as the EDT study reports them (docs/methods.md
 * §C): accuracy of each sample, majority-vote accuracy, distinct final answers, Self-BLEU, and the
 * combined score. The paper's combined score (EDA) was not recovered; this is the methods spec's
 * default, the harmonic mean of quality Q and diversity D = 100 − Self-BLEU ({@link #edaProxy}).
 */
public final class SampleScores {
  private SampleScores() {}

  /**
   * One sample of a problem.
   *
   * @param index the sample's number (0..k-1): ties in the vote go to the lowest
   * @param predicted the normalized final answer, null when the output has none
   */
  public record Sample(int index, String predicted, boolean correct, String output)
      implements Serializable {}

  /**
   * The samples of one problem.
   *
   * @param majorityCorrect the most frequent final answer (the one sampled first among equally
   *     frequent ones; samples without an answer do not vote) is correct
   * @param distinctAnswers different final answers among the samples, those without one not counted
   * @param selfBleu Self-BLEU of the outputs, in [0, 1]
   */
  public record Problem(
      int samples, int correct, boolean majorityCorrect, int distinctAnswers, double selfBleu)
      implements Serializable {

    public static Problem of(List<Sample> samples) {
      List<Sample> ordered =
          samples.stream().sorted(Comparator.comparingInt(Sample::index)).toList();
      Map<String, Integer> votes = new LinkedHashMap<>();
      Map<String, Boolean> correctAnswer = new LinkedHashMap<>();
      int correct = 0;
      for (Sample s : ordered) {
        if (s.correct()) correct++;
        if (s.predicted() == null) continue;
        votes.merge(s.predicted(), 1, Integer::sum);
        correctAnswer.putIfAbsent(s.predicted(), s.correct());
      }
      String winner = null;
      for (var e : votes.entrySet())
        if (winner == null || e.getValue() > votes.get(winner)) winner = e.getKey();
      return new Problem(
          ordered.size(),
          correct,
          winner != null && correctAnswer.get(winner),
          votes.size(),
          SelfBleu.of(ordered.stream().map(Sample::output).toList()));
    }
  }

  /**
   * A strategy's scores over its problems, in percent where a percentage applies.
   *
   * @param accuracy correct samples over all samples, %
   * @param majorityAccuracy problems whose vote is correct, %
   * @param distinctAnswers mean distinct final answers per problem
   * @param selfBleu mean Self-BLEU per problem, 0..100
   */
  public record Score(
      int problems,
      int samples,
      double accuracy,
      double majorityAccuracy,
      double distinctAnswers,
      double selfBleu)
      implements Serializable {

    /** D = 100 − Self-BLEU. */
    public double diversity() {
      return 100 - selfBleu;
    }

    /** The combined score: {@link #edaProxy} of accuracy and diversity. */
    public double eda() {
      return edaProxy(accuracy, diversity());
    }

    public static Score of(List<Problem> problems) {
      if (problems.isEmpty()) throw new IllegalArgumentException("no problems to score");
      int samples = 0, correct = 0, majority = 0;
      double distinct = 0, bleu = 0;
      for (Problem p : problems) {
        samples += p.samples();
        correct += p.correct();
        if (p.majorityCorrect()) majority++;
        distinct += p.distinctAnswers();
        bleu += p.selfBleu();
      }
      int n = problems.size();
      return new Score(
          n,
          samples,
          100.0 * correct / samples,
          100.0 * majority / n,
          distinct / n,
          100 * bleu / n);
    }
  }

  /**
   * EDA-proxy, the harmonic mean 2QD / (Q + D) of quality Q and diversity D (both 0..100): high
   * only when both are; 0 when either is.
   */
  public static double edaProxy(double quality, double diversity) {
    return quality + diversity <= 0 ? 0 : 2 * quality * diversity / (quality + diversity);
  }
}
