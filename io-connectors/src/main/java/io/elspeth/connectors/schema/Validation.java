package io.elspeth.connectors.schema;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The result of {@link RowValidator#validate(Map)}: either a valid, coerced row or the list of
 * {@link Violation}s that made the row invalid.
 */
public final class Validation implements Serializable {

  private static final long serialVersionUID = 1L;

  private final @Nullable Map<String, @Nullable Object> row;
  private final List<Violation> violations;

  private Validation(@Nullable Map<String, @Nullable Object> row, List<Violation> violations) {
    this.row = row;
    this.violations = List.copyOf(violations);
  }

  /** A valid result carrying the coerced row. */
  public static Validation valid(Map<String, @Nullable Object> row) {
    return new Validation(row, List.of());
  }

  /**
   * An invalid result.
   *
   * @throws IllegalArgumentException if {@code violations} is empty
   */
  public static Validation invalid(List<Violation> violations) {
    if (violations.isEmpty()) {
      throw new IllegalArgumentException("an invalid result needs at least one violation");
    }
    return new Validation(null, violations);
  }

  /** Whether the row satisfied the schema. */
  public boolean isValid() {
    return row != null;
  }

  /**
   * The coerced row (a fresh {@link java.util.LinkedHashMap}).
   *
   * @throws IllegalStateException if the row was invalid
   */
  public Map<String, @Nullable Object> row() {
    if (row == null) {
      throw new IllegalStateException("row is invalid: " + errorMessage());
    }
    return row;
  }

  /** The violations, in row order; empty when valid. */
  public List<Violation> violations() {
    return violations;
  }

  /**
   * All violation messages on one line, separated by {@code "; "} (e.g. {@code "field 'age':
   * expected int, got 'abc'"}); empty when valid.
   */
  public String errorMessage() {
    return violations.stream().map(Violation::message).collect(Collectors.joining("; "));
  }

  @Override
  public String toString() {
    return isValid()
        ? "Validation[valid " + row + "]"
        : "Validation[invalid: " + errorMessage() + "]";
  }
}
