package dev.stepwise.judge;

import dev.stepwise.io.ConfigEnums;
import java.util.Locale;

/**
 * How the model gives a step verdict (config key {@code stepwise.judge.mode}): {@code generate}
 * writes its check and verdict (parsed; unparsable is a tie), {@code forced_choice} reads the
 * verdict from the probabilities of {@code [[A]]} and {@code [[B]]} right after the judge prompt
 * ({@link ForcedChoice}).
 */
public enum JudgeMode {
  GENERATE,
  FORCED_CHOICE;

  /** As the config key spells it: {@code generate} or {@code forced_choice}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static JudgeMode parse(String value) {
    return ConfigEnums.parse(JudgeMode.class, "stepwise.judge.mode", value);
  }
}
