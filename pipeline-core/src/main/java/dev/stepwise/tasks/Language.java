package dev.stepwise.tasks;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The ten MGSM languages (ISO 639-1 codes as MGSM's file names use them). */
public enum Language {
  EN("English"),
  DE("German"),
  FR("French"),
  ES("Spanish"),
  RU("Russian"),
  ZH("Chinese"),
  JA("Japanese"),
  TH("Thai"),
  SW("Swahili"),
  BN("Bengali");

  private final String englishName;

  Language(String englishName) {
    this.englishName = englishName;
  }

  /**
   * The language's English name, as instructions name it ("Translate the input from Chinese to
   * English:").
   */
  public String englishName() {
    return englishName;
  }

  public String code() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Language of(String code) {
    return Arrays.stream(values())
        .filter(l -> l.code().equals(code.toLowerCase(Locale.ROOT)))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown language \""
                        + code
                        + "\": use one of "
                        + Arrays.stream(values()).map(Language::code).toList()));
  }

  public static List<Language> all() {
    return List.of(values());
  }
}
