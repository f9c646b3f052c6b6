package io.elspeth.plugin;

import java.io.Serializable;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One option a plugin accepts: its name, type, whether it is required, its default, and for strings
 * the allowed values.
 */
public record OptionSpec(
    String name,
    OptionType type,
    boolean required,
    @Nullable Object defaultValue,
    List<String> allowedValues,
    String description)
    implements Serializable {

  public static OptionSpec required(String name, OptionType type, String description) {
    return new OptionSpec(name, type, true, null, List.of(), description);
  }

  public static OptionSpec optional(
      String name, OptionType type, @Nullable Object defaultValue, String description) {
    return new OptionSpec(name, type, false, defaultValue, List.of(), description);
  }

  /** A string option restricted to {@code allowed}, defaulting to {@code defaultValue}. */
  public static OptionSpec oneOf(
      String name, @Nullable String defaultValue, List<String> allowed, String description) {
    return new OptionSpec(
        name, OptionType.STRING, false, defaultValue, List.copyOf(allowed), description);
  }
}
