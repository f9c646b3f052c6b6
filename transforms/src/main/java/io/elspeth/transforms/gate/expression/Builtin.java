package io.elspeth.transforms.gate.expression;

import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The built-in functions a gate expression may call, the same set as ELSPETH's: {@code len},
 * {@code str}, {@code int}, {@code float}, {@code bool} and {@code abs}, each with Python's
 * semantics and positional arguments only.
 */
enum Builtin {
  LEN("len", 1, 1),
  STR("str", 0, 1),
  INT("int", 0, 1),
  FLOAT("float", 0, 1),
  BOOL("bool", 0, 1),
  ABS("abs", 1, 1);

  private final String pythonName;
  private final int minArguments;
  private final int maxArguments;

  Builtin(String pythonName, int minArguments, int maxArguments) {
    this.pythonName = pythonName;
    this.minArguments = minArguments;
    this.maxArguments = maxArguments;
  }

  /** Returns the built-in called {@code name}, or {@code null} if there is none. */
  static @Nullable Builtin named(String name) {
    for (Builtin builtin : values()) {
      if (builtin.pythonName.equals(name)) {
        return builtin;
      }
    }
    return null;
  }

  String pythonName() {
    return pythonName;
  }

  /** Whether the function accepts {@code count} positional arguments. */
  boolean accepts(int count) {
    return count >= minArguments && count <= maxArguments;
  }

  /** Describes the accepted arguments for an error message, e.g. {@code "1 argument"}. */
  String arity() {
    return minArguments == maxArguments
        ? minArguments + " argument"
        : minArguments + " or " + maxArguments + " arguments";
  }

  /**
   * Applies the function to already-evaluated arguments (as many as {@link #accepts} allows).
   *
   * @throws PythonValues.Failure when Python would raise (TypeError, ValueError, OverflowError)
   * @throws ExpressionBudgetException when the result would exceed the budget
   */
  Object apply(List<Object> arguments, EvaluationBudget budget) {
    Object argument = arguments.isEmpty() ? null : arguments.get(0);
    boolean none = arguments.isEmpty();
    return switch (this) {
      case LEN -> PythonValues.length(argument);
      case STR -> none ? "" : PythonValues.str(argument, budget);
      case INT -> none ? (Object) 0L : PythonValues.toInt(argument, budget);
      case FLOAT -> none ? (Object) 0.0 : PythonValues.toFloat(argument);
      case BOOL -> !none && PythonValues.isTruthy(argument);
      case ABS -> PythonValues.abs(argument, budget);
    };
  }
}
