package dev.stepwise.text;

import java.util.OptionalInt;

/**
 * Ids of a tokenizer's bos/eos/pad tokens, as tokenizer_config.json names them; absent when it
 * names none.
 */
public record SpecialTokens(OptionalInt bos, OptionalInt eos, OptionalInt pad) {

  /**
   * The end-of-sequence id generation stops at; a tokenizer without one cannot be used for
   * generation.
   */
  public int eosId() {
    return eos.orElseThrow(
        () ->
            new IllegalStateException(
                "tokenizer_config.json names no eos_token: set \"eos_token\" to the token generation should stop at"));
  }

  /**
   * The id used to pad batches: pad_token, else eos_token (the common convention for decoder-only
   * models).
   */
  public int padId() {
    return pad.isPresent() ? pad.getAsInt() : eosId();
  }
}
