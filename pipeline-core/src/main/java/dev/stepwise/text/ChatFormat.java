package dev.stepwise.text;

import java.util.Arrays;
import java.util.List;

/**
 * Turns a user turn into the token ids a chat model is prompted with (the tokenizer's chat template
 * with the generation prompt), and an assistant answer into completion ids ending in EOS. Training,
 * generation and scoring all go through here, so they tokenize alike.
 */
public final class ChatFormat {

  private final HfTokenizer tokenizer;
  private final int eos;

  public ChatFormat(HfTokenizer tokenizer) {
    this.tokenizer = tokenizer;
    this.eos = tokenizer.specialTokens().eosId();
  }

  public HfTokenizer tokenizer() {
    return tokenizer;
  }

  public int eosId() {
    return eos;
  }

  /** The prompt ids of a single user turn, ready for the assistant to answer. */
  public int[] prompt(String userTurn) {
    return tokenizer.encode(tokenizer.applyChatTemplate(List.of(ChatMessage.user(userTurn)), true));
  }

  /** The prompt followed by the assistant text written so far (e.g. accepted steps). */
  public int[] continuation(String userTurn, String assistantSoFar) {
    return concat(prompt(userTurn), tokenizer.encode(assistantSoFar));
  }

  /** Assistant text as completion ids, EOS appended, so the model learns where to stop. */
  public int[] completion(String assistantText) {
    return concat(tokenizer.encode(assistantText), new int[] {eos});
  }

  static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
