package dev.stepwise.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Learns a byte-level BPE vocabulary from a corpus, the classic way (Sennrich et al. 2016 on
 * GPT-2's byte alphabet): start from the 256 byte symbols, repeatedly merge the most frequent
 * adjacent pair inside pre-tokenized words. Deterministic: ties go to the pair with the smaller
 * (left id, right id), and words are visited in sorted order.
 */
public final class BpeTrainer {
  /**
   * The pre-tokenizer split (Qwen2's pattern with combining marks kept inside words, so Thai and
   * Bengali words stay whole). Digits are split one by one (a leading space stays attached), which
   * helps small models do arithmetic. The same pattern goes into tokenizer.json, so training and
   * encoding agree.
   */
  public static final String SPLIT_PATTERN =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{M}\\p{N}]?[\\p{L}\\p{M}]+| ?\\p{N}"
          + "| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

  private static final Pattern SPLIT =
      Pattern.compile(SPLIT_PATTERN, Pattern.UNICODE_CHARACTER_CLASS);

  /**
   * A learned vocabulary: token strings in id order (byte-level symbols) and merges in rank order.
   */
  public record BpeModel(List<String> tokens, List<String> merges) {}

  private BpeTrainer() {}

  /** Splits text into the pieces BPE merges never cross, as HF's Split pre-tokenizer does. */
  public static List<String> preTokenize(String text) {
    List<String> pieces = new ArrayList<>();
    Matcher m = SPLIT.matcher(text);
    while (m.find()) pieces.add(m.group());
    return pieces;
  }

  /**
   * @param vocabSize tokens wanted, the 256 byte symbols included (special tokens come on top)
   * @param minFrequency stop early when the best pair occurs fewer times than this
   */
  public static BpeModel train(Iterable<String> corpus, int vocabSize, int minFrequency) {
    if (vocabSize < 256)
      throw new IllegalArgumentException(
          "vocabSize must be >= 256 (the byte symbols), got " + vocabSize);
    Map<String, Integer> wordCounts = new TreeMap<>();
    for (String text : corpus)
      for (String piece : preTokenize(text))
        wordCounts.merge(ByteLevel.encode(piece), 1, Integer::sum);

    List<String> tokens = new ArrayList<>();
    Map<String, Integer> ids = new HashMap<>();
    for (int b = 0; b < 256; b++) {
      tokens.add(ByteLevel.symbol(b));
      ids.put(ByteLevel.symbol(b), b);
    }
    List<int[]> words = new ArrayList<>();
    int[] counts = new int[wordCounts.size()];
    for (Map.Entry<String, Integer> e : wordCounts.entrySet()) {
      String w = e.getKey();
      int[] symbols = new int[w.length()];
      for (int i = 0; i < w.length(); i++) symbols[i] = ids.get(String.valueOf(w.charAt(i)));
      counts[words.size()] = e.getValue();
      words.add(symbols);
    }

    List<String> merges = new ArrayList<>();
    while (tokens.size() < vocabSize) {
      long best = bestPair(words, counts, minFrequency);
      if (best < 0) break;
      int left = (int) (best >>> 32), right = (int) best;
      String merged = tokens.get(left) + tokens.get(right);
      // Two merge paths can spell the same string; HF reuses the id, so do we.
      int id =
          ids.computeIfAbsent(
              merged,
              k -> {
                tokens.add(k);
                return tokens.size() - 1;
              });
      merges.add(tokens.get(left) + " " + tokens.get(right));
      for (int w = 0; w < words.size(); w++)
        words.set(w, applyMerge(words.get(w), left, right, id));
    }
    return new BpeModel(List.copyOf(tokens), List.copyOf(merges));
  }

  /**
   * The most frequent pair packed as (left << 32 | right), or -1 when none reaches minFrequency.
   */
  private static long bestPair(List<int[]> words, int[] counts, int minFrequency) {
    Map<Long, Long> pairCounts = new LinkedHashMap<>();
    for (int w = 0; w < words.size(); w++) {
      int[] s = words.get(w);
      for (int i = 0; i + 1 < s.length; i++)
        pairCounts.merge(((long) s[i] << 32) | s[i + 1], (long) counts[w], Long::sum);
    }
    long best = -1, bestCount = Math.max(1, minFrequency) - 1;
    for (Map.Entry<Long, Long> e : pairCounts.entrySet()) {
      long pair = e.getKey(), count = e.getValue();
      if (count > bestCount || (count == bestCount && best >= 0 && pair < best)) {
        best = pair;
        bestCount = count;
      }
    }
    return best;
  }

  private static int[] applyMerge(int[] s, int left, int right, int id) {
    int n = 0;
    int[] out = new int[s.length];
    for (int i = 0; i < s.length; i++) {
      if (i + 1 < s.length && s[i] == left && s[i + 1] == right) {
        out[n++] = id;
        i++;
      } else {
        out[n++] = s[i];
      }
    }
    return n == s.length ? s : Arrays.copyOf(out, n);
  }
}
