package io.elspeth.transforms.gate.expression;

import org.checkerframework.checker.nullness.qual.Nullable;

/** The comparison operators of the gate language, each with its Python semantics. */
enum ComparisonOperator {
  EQ("=="),
  NE("!="),
  LT("<"),
  LE("<="),
  GT(">"),
  GE(">="),
  IN("in"),
  NOT_IN("not in"),
  IS("is"),
  IS_NOT("is not");

  private final String symbol;

  ComparisonOperator(String symbol) {
    this.symbol = symbol;
  }

  /**
   * Applies the operator to already-evaluated operands, charging {@code budget} for the work.
   *
   * @throws PythonValues.Failure when Python would raise, e.g. ordering a str against an int
   */
  boolean test(@Nullable Object left, @Nullable Object right, EvaluationBudget budget) {
    return switch (this) {
      case EQ -> PythonComparisons.pyEquals(left, right, budget);
      case NE -> !PythonComparisons.pyEquals(left, right, budget);
      case LT -> PythonComparisons.ordered(symbol, order -> order < 0, left, right, budget);
      case LE -> PythonComparisons.ordered(symbol, order -> order <= 0, left, right, budget);
      case GT -> PythonComparisons.ordered(symbol, order -> order > 0, left, right, budget);
      case GE -> PythonComparisons.ordered(symbol, order -> order >= 0, left, right, budget);
      case IN -> PythonComparisons.contains(right, left, budget);
      case NOT_IN -> !PythonComparisons.contains(right, left, budget);
      case IS -> PythonComparisons.isSameObject(left, right);
      case IS_NOT -> !PythonComparisons.isSameObject(left, right);
    };
  }
}
