package io.elspeth.telemetry.exporter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Typed reads of an exporter's free-form options; every problem is collected with the option's name
 * so settings validation can report all of them at once. Values of secret options are never quoted
 * in a problem.
 */
public final class ExporterOptions {
  private final String exporter;
  private final Map<String, Object> options;
  private final List<String> problems = new ArrayList<>();

  public ExporterOptions(String exporter, Map<String, Object> options, Set<String> allowed) {
    this.exporter = exporter;
    this.options = options;
    for (String k : options.keySet()) {
      if (!allowed.contains(k)) {
        problems.add(
            "options."
                + k
                + ": unknown option for exporter '"
                + exporter
                + "' (expected one of "
                + allowed.stream().sorted().toList()
                + ")");
      }
    }
  }

  public List<String> problems() {
    return List.copyOf(problems);
  }

  /** Throws the collected problems, if any, as one configuration error. */
  public void check() {
    if (!problems.isEmpty()) {
      throw new TelemetryConfigException(exporter, String.join("; ", problems));
    }
  }

  /** {@code key}'s non-empty string, else {@code fallback} (recording why, when it is wrong). */
  public String string(String key, String fallback, boolean required) {
    String s = optionalString(key, required);
    return s == null ? fallback : s;
  }

  /** {@code key}'s non-empty string, else null (recording why, when it is wrong). */
  public @Nullable String optionalString(String key) {
    return optionalString(key, false);
  }

  private @Nullable String optionalString(String key, boolean required) {
    Object v = options.get(key);
    if (v == null) {
      if (required) {
        problems.add("options." + key + ": required");
      }
      return null;
    }
    if (!(v instanceof String s) || s.isBlank()) {
      problems.add("options." + key + ": expected a non-empty string");
      return null;
    }
    return s;
  }

  public String choice(String key, String fallback, Set<String> allowed) {
    String s = string(key, fallback, false);
    if (!allowed.contains(s)) {
      problems.add(
          "options."
              + key
              + ": expected one of "
              + allowed.stream().sorted().toList()
              + ", got '"
              + s
              + "'");
      return fallback;
    }
    return s;
  }

  public int integer(String key, int fallback, int min, int max) {
    Object v = options.get(key);
    if (v == null) {
      return fallback;
    }
    if (v instanceof Integer || v instanceof Long) {
      long n = ((Number) v).longValue();
      if (n >= min && n <= max) {
        return (int) n;
      }
    }
    problems.add(
        "options."
            + key
            + ": expected an integer from "
            + min
            + " to "
            + max
            + ", got '"
            + v
            + "'");
    return fallback;
  }

  /** A mapping of string to string (e.g. headers); values are secrets and never quoted. */
  public Map<String, String> stringMap(String key) {
    Object v = options.get(key);
    Map<String, String> out = new LinkedHashMap<>();
    if (v == null) {
      return out;
    }
    if (!(v instanceof Map<?, ?> m)) {
      problems.add("options." + key + ": expected a mapping of names to strings");
      return out;
    }
    for (Map.Entry<?, ?> e : m.entrySet()) {
      if (!(e.getKey() instanceof String k) || !(e.getValue() instanceof String s)) {
        problems.add("options." + key + "." + e.getKey() + ": expected a string value");
      } else {
        out.put(k, s);
      }
    }
    return out;
  }

  /** Records a problem with an option. */
  public void problem(String key, String what) {
    problems.add("options." + key + ": " + what);
  }

  /** Records a problem when {@code key} is absent. */
  public void require(String key) {
    if (!options.containsKey(key)) {
      problems.add("options." + key + ": required");
    }
  }

  public void reject(String key, String why) {
    if (options.containsKey(key)) {
      problems.add("options." + key + ": " + why);
    }
  }
}
