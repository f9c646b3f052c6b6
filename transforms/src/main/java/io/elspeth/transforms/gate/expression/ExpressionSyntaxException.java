package io.elspeth.transforms.gate.expression;

/**
 * Thrown by {@link GateExpression#parse(String)} when a gate expression is malformed or uses a
 * construct the gate language forbids.
 *
 * <p>The message always ends with {@code "at column N"}, where {@code N} is the 0-based offset into
 * the expression source of the offending token, and before that says what was expected or which
 * construct is not allowed, for example {@code "function calls are not allowed (only row.get(...)):
 * len(...) at column 0"}.
 */
public class ExpressionSyntaxException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int column;

  /**
   * Creates an exception whose message is {@code description + " at column " + column}.
   *
   * @param description what was expected or which construct is forbidden
   * @param column 0-based offset of the offending token in the expression source
   */
  public ExpressionSyntaxException(String description, int column) {
    super(description + " at column " + column);
    this.column = column;
  }

  /** Returns the 0-based offset of the offending token in the expression source. */
  public int column() {
    return column;
  }
}
