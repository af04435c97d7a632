package dev.stepwise.search;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * PATS's candidate filter (docs/methods.md §B): drops empty and garbled candidates (a character
 * outside the allow-list), duplicates, and steps already accepted. The allow-list is wider than the
 * reference's Latin/Greek/digits/math symbols by the scripts of the ten task languages, since a
 * step may quote the question's words.
 */
public final class CandidateFilter {

  private CandidateFilter() {}

  /** Indices of the kept candidates, in order. */
  public static List<Integer> keep(
      List<String> candidates, List<String> accepted, boolean filterGarbled) {
    Set<String> seen = new HashSet<>(accepted);
    List<Integer> kept = new ArrayList<>();
    for (int i = 0; i < candidates.size(); i++) {
      String c = candidates.get(i);
      if (c.isBlank() || (filterGarbled && garbled(c)) || !seen.add(c)) continue;
      kept.add(i);
    }
    return kept;
  }

  /** True when a character is outside the allow-list (or is a replacement/control character). */
  static boolean garbled(String text) {
    return text.codePoints().anyMatch(cp -> !allowed(cp));
  }

  private static boolean allowed(int cp) {
    if (cp == '\n' || cp == '\t') return true;
    if (cp < 0x20 || cp == 0x7f || cp == 0xfffd) return false;
    if (cp < 0x0250) return true; // ASCII, Latin-1, Latin Extended-A/B
    Character.UnicodeBlock block = Character.UnicodeBlock.of(cp);
    return block == Character.UnicodeBlock.GREEK
        || block == Character.UnicodeBlock.CYRILLIC
        || block == Character.UnicodeBlock.GENERAL_PUNCTUATION
        || block == Character.UnicodeBlock.SUPERSCRIPTS_AND_SUBSCRIPTS
        || block == Character.UnicodeBlock.LETTERLIKE_SYMBOLS
        || block == Character.UnicodeBlock.ARROWS
        || block == Character.UnicodeBlock.MATHEMATICAL_OPERATORS
        || block == Character.UnicodeBlock.MISCELLANEOUS_TECHNICAL
        || block == Character.UnicodeBlock.CJK_UNIFIED_IDEOGRAPHS
        || block == Character.UnicodeBlock.CJK_SYMBOLS_AND_PUNCTUATION
        || block == Character.UnicodeBlock.HIRAGANA
        || block == Character.UnicodeBlock.KATAKANA
        || block == Character.UnicodeBlock.HALFWIDTH_AND_FULLWIDTH_FORMS
        || block == Character.UnicodeBlock.THAI
        || block == Character.UnicodeBlock.BENGALI;
  }
}
