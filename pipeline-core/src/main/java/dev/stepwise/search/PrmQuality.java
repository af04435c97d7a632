package dev.stepwise.search;

import java.util.ArrayList;
import java.util.List;

/**
 * How well PRM scores separate correct from wrong steps: the ROC AUC (the probability that a random
 * correct step scores above a random wrong one, ties counting half) and the accuracy of "correct
 * when score >= 0.5".
 */
public record PrmQuality(double auc, double accuracy, int correctSteps, int wrongSteps) {

  public static PrmQuality of(List<Double> scores, List<Boolean> labels) {
    if (scores.size() != labels.size())
      throw new IllegalArgumentException(
          scores.size() + " scores but " + labels.size() + " labels");
    List<Double> pos = new ArrayList<>(), neg = new ArrayList<>();
    int right = 0;
    for (int i = 0; i < scores.size(); i++) {
      boolean label = labels.get(i);
      (label ? pos : neg).add(scores.get(i));
      if ((scores.get(i) >= 0.5) == label) right++;
    }
    double wins = 0;
    for (double p : pos) for (double n : neg) wins += p > n ? 1 : p == n ? 0.5 : 0;
    double auc = pos.isEmpty() || neg.isEmpty() ? Double.NaN : wins / pos.size() / neg.size();
    return new PrmQuality(
        auc,
        scores.isEmpty() ? Double.NaN : (double) right / scores.size(),
        pos.size(),
        neg.size());
  }
}
