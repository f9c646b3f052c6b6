package io.elspeth.connectors.schema;

import java.io.Serializable;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One reason a row failed its schema.
 *
 * @param violationType {@link #TYPE_MISMATCH}, {@link #MISSING_FIELD} or {@link #EXTRA_FIELD}
 * @param field the field concerned
 * @param expectedType the declared type ({@code "int"}, ...) or {@code null} for an extra field
 * @param actualType the type of the value found ({@code "str"}, {@code "int"}, {@code "float"},
 *     {@code "bool"}, {@code "list"}, {@code "dict"}, ...) or {@code null} when there was no value
 * @param message a readable description starting with {@code field '<name>': }
 */
public record Violation(
    String violationType,
    String field,
    @Nullable String expectedType,
    @Nullable String actualType,
    String message)
    implements Serializable {

  private static final long serialVersionUID = 1L;

  /** A value that is not (and cannot be coerced to) the declared type. */
  public static final String TYPE_MISMATCH = "type_mismatch";

  /** A required field that is absent, null or empty. */
  public static final String MISSING_FIELD = "missing_field";

  /** A field a strict schema does not declare. */
  public static final String EXTRA_FIELD = "extra_field";

  /** Checks the non-null components. */
  public Violation {
    Objects.requireNonNull(violationType, "violationType");
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(message, "message");
  }
}
