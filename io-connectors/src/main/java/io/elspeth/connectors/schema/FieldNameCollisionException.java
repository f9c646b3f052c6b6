package io.elspeth.connectors.schema;

import java.util.List;

/**
 * Two or more source headers would end up with the same field name, after normalization, after
 * {@code field_mapping}, or because the raw headers are already duplicated. A configuration or data
 * error: the source cannot build rows without silently losing a column.
 */
public class FieldNameCollisionException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String collidingName;
  private final List<String> originals;

  /**
   * Creates the exception.
   *
   * @param message the full description (of every collision found)
   * @param collidingName the resulting field name of the first collision
   * @param originals the original headers that all became {@code collidingName}
   */
  public FieldNameCollisionException(String message, String collidingName, List<String> originals) {
    super(message);
    this.collidingName = collidingName;
    this.originals = List.copyOf(originals);
  }

  /** The field name that several headers resolve to (the first collision found). */
  public String collidingName() {
    return collidingName;
  }

  /** The original headers, in column order, that resolve to {@link #collidingName()}. */
  public List<String> originals() {
    return originals;
  }
}
