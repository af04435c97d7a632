package dev.stepwise.tasks;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The ten MGSM languages (ISO 639-1 codes as MGSM's file names use them). */
public enum Language {
    EN, DE, FR, ES, RU, ZH, JA, TH, SW, BN;

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Language of(String code) {
        return Arrays.stream(values()).filter(l -> l.code().equals(code.toLowerCase(Locale.ROOT))).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        "unknown language \"" + code + "\": use one of " + Arrays.stream(values()).map(Language::code).toList()));
    }

    public static List<Language> all() {
        return List.of(values());
    }
}
