package dev.stepwise.spark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The resolved configuration: conf/pipeline.conf (the reference, on the classpath), then a user
 * file, then --set overrides. Every user key must exist in the reference with a compatible type, so
 * a typo fails loudly instead of silently meaning "default", and every number must be in its range
 * ({@link ConfigRanges}).
 */
public final class StepwiseConfig {
  static final String REFERENCE = "stepwise/pipeline.conf";
  private final Config config;

  private StepwiseConfig(Config config) {
    this.config = config;
  }

  public static StepwiseConfig reference() {
    return load(null, Map.of());
  }

  /**
   * @param file a HOCON file with overrides, or null
   * @param sets key=value overrides, applied last; values are strings converted to the key's type
   */
  public static StepwiseConfig load(File file, Map<String, String> sets) {
    Config reference =
        ConfigFactory.parseResources(
            StepwiseConfig.class.getClassLoader(),
            REFERENCE,
            ConfigParseOptions.defaults().setAllowMissing(false));
    Config user = ConfigFactory.empty();
    if (file != null) {
      if (!file.isFile()) throw new ConfigException.Generic("config file not found: " + file);
      user =
          ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false))
              .resolve();
    }
    for (var e : sets.entrySet()) {
      user =
          user.withValue(
              e.getKey(),
              ConfigValueFactory.fromAnyRef(
                  typed(reference, e.getKey(), e.getValue()), "--set " + e.getKey()));
    }
    requireKnownKeys(reference, user);
    StepwiseConfig resolved = new StepwiseConfig(user.withFallback(reference).resolve());
    resolved.requireTypes(reference);
    ConfigRanges.check(resolved.config);
    return resolved;
  }

  /**
   * A --set value in the reference key's type, so config.conf shows 200, not "200"; left a string
   * when it does not parse.
   */
  private static Object typed(Config reference, String key, String value) {
    if (!reference.hasPath(key)) return value;
    ConfigValueType type = reference.getValue(key).valueType();
    if (type == ConfigValueType.BOOLEAN && (value.equals("true") || value.equals("false")))
      return Boolean.valueOf(value);
    if (type == ConfigValueType.NUMBER) {
      try {
        return value.matches("-?\\d+")
            ? (Object) Long.valueOf(value)
            : (Object) Double.valueOf(value);
      } catch (NumberFormatException e) {
        return value;
      }
    }
    if (type == ConfigValueType.LIST) {
      // A list is given in HOCON: --set stepwise.tasks.languages=[en,zh]
      try {
        return ConfigFactory.parseString("v = " + value).getList("v").unwrapped();
      } catch (ConfigException e) {
        return value;
      }
    }
    return value;
  }

  private static void requireKnownKeys(Config reference, Config user) {
    for (var e : user.entrySet()) {
      String key = e.getKey();
      if (!reference.hasPathOrNull(key)) {
        String section = key.contains(".") ? key.substring(0, key.lastIndexOf('.')) : "";
        String known =
            section.isEmpty() || !reference.hasPath(section)
                ? ""
                : "; keys in "
                    + section
                    + ": "
                    + new TreeSet<>(reference.getConfig(section).root().keySet());
        throw new ConfigException.Generic(
            "unknown config key '" + key + "' (" + origin(e.getValue()) + ")" + known);
      }
    }
  }

  /** Reads every key with the reference's type, so a wrong type names its key now, not mid-run. */
  private void requireTypes(Config reference) {
    for (var e : reference.entrySet()) {
      String key = e.getKey();
      ConfigValueType expected = e.getValue().valueType();
      try {
        switch (expected) {
          case NUMBER -> {
            if (e.getValue().unwrapped() instanceof Integer
                || e.getValue().unwrapped() instanceof Long) config.getLong(key);
            else config.getDouble(key);
          }
          case BOOLEAN -> config.getBoolean(key);
          case STRING -> {
            if (isDuration(e.getValue())) config.getDuration(key);
            else config.getString(key);
          }
          case LIST -> config.getList(key);
          case OBJECT -> config.getObject(key);
          default -> {}
        }
      } catch (ConfigException.WrongType | ConfigException.BadValue ex) {
        ConfigValue found = config.getValue(key);
        throw new ConfigException.Generic(
            "config key '"
                + key
                + "' must be "
                + describe(e.getValue())
                + ", found "
                + found.render(ConfigRenderOptions.concise())
                + " ("
                + origin(found)
                + ")");
      }
    }
  }

  private static boolean isDuration(ConfigValue v) {
    return v.unwrapped() instanceof String s && s.matches("\\d+\\s*(ms|s|m|h|d)");
  }

  private static String describe(ConfigValue v) {
    if (isDuration(v)) return "a duration like " + v.unwrapped();
    Object u = v.unwrapped();
    if (u instanceof Integer || u instanceof Long) return "an integer";
    return switch (v.valueType()) {
      case NUMBER -> "a number";
      case BOOLEAN -> "true or false";
      default -> "a " + v.valueType().name().toLowerCase();
    };
  }

  private static String origin(ConfigValue v) {
    return v.origin().description();
  }

  public Config raw() {
    return config;
  }

  /** The stepwise section as HOCON, for <run>/config.conf. */
  public String render() {
    return config
            .getConfig("stepwise")
            .atKey("stepwise")
            .root()
            .render(
                ConfigRenderOptions.defaults()
                    .setOriginComments(false)
                    .setComments(false)
                    .setJson(false))
        + "\n";
  }

  /** SHA-256 of the rendered configuration: stages record it so a changed config is visible. */
  public String hash() {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(render().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Keys for error messages and docs, sorted. */
  public List<String> keys() {
    return config.getConfig("stepwise").entrySet().stream()
        .map(e -> "stepwise." + e.getKey())
        .sorted()
        .toList();
  }
}
