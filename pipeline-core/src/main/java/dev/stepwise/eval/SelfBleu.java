package dev.stepwise.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Self-BLEU (Zhu et al. 2018, Texygen), the diversity measure of the EDT paper (docs/methods.md
 * §C): each text of a set is scored by BLEU against all the others as references, and the scores
 * are averaged. Lower means more diverse. BLEU is NLTK's {@code sentence_bleu}: clipped n-gram
 * precisions for n = 1..4 with equal weights, the brevity penalty against the reference length
 * closest to the hypothesis (the shorter on a tie), and Chen and Cherry's smoothing 1 (a precision
 * with no match counts as 0.1 matches; the score is 0 when no unigram matches). Texts are split on
 * whitespace.
 */
public final class SelfBleu {
  static final int MAX_ORDER = 4;
  static final double EPSILON = 0.1;

  private SelfBleu() {}

  /** Mean BLEU of each text against the others, in [0, 1]; needs at least two texts. */
  public static double of(List<String> texts) {
    if (texts.size() < 2)
      throw new IllegalArgumentException("Self-BLEU needs at least two texts, got " + texts.size());
    List<List<String>> tokens = texts.stream().map(SelfBleu::tokens).toList();
    double sum = 0;
    for (int i = 0; i < tokens.size(); i++) {
      List<List<String>> others = new ArrayList<>(tokens);
      others.remove(i);
      sum += bleu(tokens.get(i), others);
    }
    return sum / tokens.size();
  }

  /** Sentence BLEU-4 of {@code hypothesis} against {@code references}, in [0, 1]. */
  public static double bleu(List<String> hypothesis, List<List<String>> references) {
    double logSum = 0;
    for (int n = 1; n <= MAX_ORDER; n++) {
      Map<List<String>, Integer> counts = ngrams(hypothesis, n);
      Map<List<String>, Integer> maxRef = new HashMap<>();
      for (List<String> reference : references)
        ngrams(reference, n).forEach((g, c) -> maxRef.merge(g, c, Math::max));
      int matches = 0, total = 0;
      for (var e : counts.entrySet()) {
        matches += Math.min(e.getValue(), maxRef.getOrDefault(e.getKey(), 0));
        total += e.getValue();
      }
      if (n == 1 && matches == 0) return 0;
      logSum += Math.log((matches == 0 ? EPSILON : matches) / Math.max(1, total)) / MAX_ORDER;
    }
    return brevityPenalty(hypothesis.size(), references) * Math.exp(logSum);
  }

  private static double brevityPenalty(int length, List<List<String>> references) {
    int closest = Integer.MAX_VALUE;
    for (List<String> r : references) {
      int d = Math.abs(r.size() - length), best = Math.abs(closest - length);
      if (d < best || (d == best && r.size() < closest)) closest = r.size();
    }
    return length > closest ? 1 : Math.exp(1 - closest / (double) length);
  }

  static List<String> tokens(String text) {
    String stripped = text.strip();
    return stripped.isEmpty() ? List.of() : List.of(stripped.split("\\s+"));
  }

  private static Map<List<String>, Integer> ngrams(List<String> tokens, int n) {
    Map<List<String>, Integer> counts = new HashMap<>();
    for (int i = 0; i + n <= tokens.size(); i++)
      counts.merge(tokens.subList(i, i + n), 1, Integer::sum);
    return counts;
  }
}
