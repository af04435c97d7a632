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

  /** Unicode blocks beyond Latin whose characters a step may hold (the MGSM scripts, math). */
  private static final Set<Character.UnicodeBlock> SCRIPT_BLOCKS =
      Set.of(
          Character.UnicodeBlock.GREEK,
          Character.UnicodeBlock.CYRILLIC,
          Character.UnicodeBlock.GENERAL_PUNCTUATION,
          Character.UnicodeBlock.SUPERSCRIPTS_AND_SUBSCRIPTS,
          Character.UnicodeBlock.LETTERLIKE_SYMBOLS,
          Character.UnicodeBlock.ARROWS,
          Character.UnicodeBlock.MATHEMATICAL_OPERATORS,
          Character.UnicodeBlock.MISCELLANEOUS_TECHNICAL,
          Character.UnicodeBlock.CJK_UNIFIED_IDEOGRAPHS,
          Character.UnicodeBlock.CJK_SYMBOLS_AND_PUNCTUATION,
          Character.UnicodeBlock.HIRAGANA,
          Character.UnicodeBlock.KATAKANA,
          Character.UnicodeBlock.HALFWIDTH_AND_FULLWIDTH_FORMS,
          Character.UnicodeBlock.THAI,
          Character.UnicodeBlock.BENGALI);

  private static boolean allowed(int cp) {
    if (cp == '\n' || cp == '\t') return true;
    if (cp < 0x20 || cp == 0x7f || cp == 0xfffd) return false;
    if (cp < 0x0250) return true; // ASCII, Latin-1, Latin Extended-A/B
    Character.UnicodeBlock block = Character.UnicodeBlock.of(cp); // null where unassigned
    return block != null && SCRIPT_BLOCKS.contains(block);
  }
}
