package io.elspeth.connectors.schema;

import java.io.Serializable;
import java.util.Objects;

/**
 * One declared field of a schema: its name, its {@link FieldType} and whether it is required.
 *
 * <p>A required field must be present with a non-null (and, for CSV input, non-empty) value. An
 * optional field, written {@code "name: type?"} in settings, may be absent, null or empty and is
 * then carried as {@code null}.
 *
 * @param name the field name; a non-empty identifier (letters, digits and {@code _}, not starting
 *     with a digit)
 * @param type the declared value type
 * @param required whether the field must carry a value
 */
public record FieldSpec(String name, FieldType type, boolean required) implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Checks the name is a valid identifier. */
  public FieldSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    if (!isIdentifier(name)) {
      throw new IllegalArgumentException(
          "invalid field name '"
              + name
              + "' (expected letters, digits and _, not starting with a digit)");
    }
  }

  /** The settings-file form of this field, e.g. {@code "age: int?"}. */
  public String specString() {
    return name + ": " + type.configName() + (required ? "" : "?");
  }

  /**
   * Whether {@code name} is a valid field name: non-empty, made of letters, digits and {@code _},
   * and not starting with a digit (the rule for Python identifiers used by the reference system).
   */
  static boolean isIdentifier(String name) {
    if (name.isEmpty()) {
      return false;
    }
    int first = name.codePointAt(0);
    if (!(first == '_' || Character.isLetter(first))) {
      return false;
    }
    return name.codePoints().allMatch(cp -> cp == '_' || Character.isLetterOrDigit(cp));
  }
}
