package io.elspeth.transforms.gate.expression;

import java.util.Objects;

/**
 * Thrown by {@link GateExpression#evaluate(java.util.Map)} when a well-formed expression fails on a
 * particular row: a field read with {@code row['x']} is missing, operand types do not support an
 * operation (for example {@code 'str' + 1} or {@code 'a' < 1}), an index is out of range, a
 * division is by zero, a conversion such as {@code int('x')} fails, or (as the subclass {@link
 * ExpressionBudgetException}) the evaluation would exceed its budget.
 *
 * <p>The message names the Python error kind (for example {@code KeyError} or {@code TypeError}),
 * the offending key or types, and the 0-based column of the failing operation in the source.
 */
public class ExpressionEvaluationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with the given message.
   *
   * @param message a description of the runtime failure
   */
  public ExpressionEvaluationException(String message) {
    super(message);
  }

  /**
   * Creates an exception with the given message and cause.
   *
   * @param message a description of the runtime failure
   * @param cause the underlying failure
   */
  public ExpressionEvaluationException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The description of the failure; never null, as every constructor takes one. */
  @Override
  public String getMessage() {
    return Objects.requireNonNull(super.getMessage(), "message");
  }
}
