package io.elspeth.transforms.gate.expression;

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
   * Applies the operator to already-evaluated operands.
   *
   * @throws PythonValues.Failure when Python would raise, e.g. ordering a str against an int
   */
  boolean test(Object left, Object right) {
    return switch (this) {
      case EQ -> PythonValues.pyEquals(left, right);
      case NE -> !PythonValues.pyEquals(left, right);
      case LT -> PythonValues.ordered(symbol, order -> order < 0, left, right);
      case LE -> PythonValues.ordered(symbol, order -> order <= 0, left, right);
      case GT -> PythonValues.ordered(symbol, order -> order > 0, left, right);
      case GE -> PythonValues.ordered(symbol, order -> order >= 0, left, right);
      case IN -> PythonValues.contains(right, left);
      case NOT_IN -> !PythonValues.contains(right, left);
      case IS -> PythonValues.isSameObject(left, right);
      case IS_NOT -> !PythonValues.isSameObject(left, right);
    };
  }
}
