package io.elspeth.connectors.schema;

import java.util.Locale;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The value types a schema field can declare: {@code int}, {@code float}, {@code str}, {@code bool}
 * and {@code any}.
 *
 * <p>Validated rows carry integers as {@link Long}, floats as {@link Double}, strings as {@link
 * String} and booleans as {@link Boolean}; {@code any} values are passed through unchanged.
 */
public enum FieldType {
  /** A whole number, carried as {@link Long}. */
  INT,
  /** A finite floating-point number, carried as {@link Double}. */
  FLOAT,
  /** A string. */
  STR,
  /** A boolean. */
  BOOL,
  /** Any value, passed through unchanged. */
  ANY;

  /** The name used in settings files, e.g. {@code "int"}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Looks up a type by its settings-file name (exact, lower case).
   *
   * @return the type, or {@code null} when the name is not one of {@code int, float, str, bool,
   *     any}
   */
  public static @Nullable FieldType fromConfigName(String name) {
    for (FieldType type : values()) {
      if (type.configName().equals(name)) {
        return type;
      }
    }
    return null;
  }
}
