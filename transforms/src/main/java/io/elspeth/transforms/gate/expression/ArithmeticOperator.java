package io.elspeth.transforms.gate.expression;

import org.checkerframework.checker.nullness.qual.Nullable;

/** The binary arithmetic operators of the gate language, each with its Python semantics. */
enum ArithmeticOperator {
  ADD("+"),
  SUBTRACT("-"),
  MULTIPLY("*"),
  TRUE_DIVIDE("/"),
  FLOOR_DIVIDE("//"),
  MODULO("%");

  private final String symbol;

  ArithmeticOperator(String symbol) {
    this.symbol = symbol;
  }

  /**
   * Returns the operator written as {@code symbol}; the parser asks only for a symbol it has just
   * read as one.
   */
  static ArithmeticOperator forSymbol(String symbol) {
    for (ArithmeticOperator operator : values()) {
      if (operator.symbol.equals(symbol)) {
        return operator;
      }
    }
    throw new IllegalStateException("no arithmetic operator '" + symbol + "'");
  }

  /**
   * Applies the operator to already-evaluated operands, charging {@code budget} for what it builds.
   *
   * @throws PythonValues.Failure on unsupported operand types, division by zero or overflow
   * @throws ExpressionBudgetException when the result would exceed the budget
   */
  Object apply(@Nullable Object left, @Nullable Object right, EvaluationBudget budget) {
    return switch (this) {
      case ADD -> PythonArithmetic.add(left, right, budget);
      case SUBTRACT -> PythonArithmetic.subtract(left, right, budget);
      case MULTIPLY -> PythonArithmetic.multiply(left, right, budget);
      case TRUE_DIVIDE -> PythonArithmetic.trueDivide(left, right);
      case FLOOR_DIVIDE -> PythonArithmetic.floorDivide(left, right);
      case MODULO -> PythonArithmetic.modulo(left, right);
    };
  }
}
