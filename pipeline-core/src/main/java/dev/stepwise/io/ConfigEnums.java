package dev.stepwise.io;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Enum constants as config values spell them: the constant's name in lower case. */
public final class ConfigEnums {
  private ConfigEnums() {}

  /**
   * The constant of {@code type} that config key {@code key} names (in any case), or an error that
   * lists the values it takes: {@code config key 'K' must be "a", "b" or "c", found "x"}.
   */
  public static <E extends Enum<E>> E parse(Class<E> type, String key, String value) {
    E[] constants = type.getEnumConstants();
    for (E c : constants) if (c.name().equalsIgnoreCase(value)) return c;
    List<String> quoted =
        Arrays.stream(constants).map(c -> "\"" + c.name().toLowerCase(Locale.ROOT) + "\"").toList();
    String choices =
        String.join(", ", quoted.subList(0, quoted.size() - 1))
            + " or "
            + quoted.get(quoted.size() - 1);
    throw new IllegalArgumentException(
        "config key '" + key + "' must be " + choices + ", found \"" + value + "\"");
  }
}
