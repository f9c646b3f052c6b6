package io.elspeth.transforms.gate.expression;

/**
 * Thrown when one evaluation of a gate expression would exceed its {@link ExpressionLimits}: too
 * many characters or elements built, or too many steps. It is an evaluation failure like any other,
 * so a gate fails (or routes) the row with this message as the reason.
 */
public class ExpressionBudgetException extends ExpressionEvaluationException {
  private static final long serialVersionUID = 1L;

  /** 0-based source column of the operation that breached the budget, or -1 if unknown. */
  private final int column;

  /**
   * Creates an exception with the given message.
   *
   * @param message which budget was exceeded and its limit
   */
  public ExpressionBudgetException(String message) {
    this(message, -1);
  }

  private ExpressionBudgetException(String message, int column) {
    super(message);
    this.column = column;
  }

  /** Returns the 0-based source column of the breaching operation, or -1 if it is not known. */
  public int column() {
    return column;
  }

  /** This breach located at {@code at}, unless an inner operation already located it. */
  ExpressionBudgetException at(int at) {
    return column >= 0
        ? this
        : new ExpressionBudgetException(getMessage() + " at column " + at, at);
  }
}
