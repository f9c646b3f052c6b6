package io.elspeth.transforms.gate.expression;

import static io.elspeth.transforms.gate.expression.PythonNumbers.asDouble;
import static io.elspeth.transforms.gate.expression.PythonNumbers.isInteger;
import static io.elspeth.transforms.gate.expression.PythonNumbers.isNumber;
import static io.elspeth.transforms.gate.expression.PythonValues.normalize;
import static io.elspeth.transforms.gate.expression.PythonValues.typeName;

import io.elspeth.transforms.gate.expression.PythonValues.Failure;
import java.math.BigInteger;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The built-in functions a gate expression may call, the same set as ELSPETH's: {@code len}, {@code
 * str}, {@code int}, {@code float}, {@code bool} and {@code abs}, each with Python's semantics and
 * positional arguments only.
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
    @Nullable Object argument = arguments.isEmpty() ? null : arguments.get(0);
    boolean none = arguments.isEmpty();
    return switch (this) {
      case LEN -> length(argument);
      case STR -> none ? "" : str(argument, budget);
      case INT -> none ? (Object) 0L : toInt(argument, budget);
      case FLOAT -> none ? (Object) 0.0 : toFloat(argument);
      case BOOL -> !none && PythonValues.isTruthy(argument);
      case ABS -> abs(argument, budget);
    };
  }

  /** Python {@code len()}: code points of a str, elements of a list, tuple, set or dict. */
  private static Object length(@Nullable Object value) {
    Object v = normalize(value);
    if (v instanceof String) {
      return (long) ((String) v).codePointCount(0, ((String) v).length());
    } else if (v instanceof Collection) {
      return (long) ((Collection<?>) v).size();
    } else if (v instanceof Map) {
      return (long) ((Map<?, ?>) v).size();
    }
    throw new Failure("TypeError: object of type '" + typeName(v) + "' has no len()");
  }

  /** Python {@code str()}: a str itself, an int's digits, otherwise the {@code repr}. */
  static String str(@Nullable Object value, EvaluationBudget budget) {
    Object v = normalize(value);
    if (v instanceof String) {
      return (String) v;
    }
    if (v instanceof Long || v instanceof BigInteger) {
      return PythonNumbers.intText(v, budget);
    }
    long room = budget.remainingChars();
    StringBuilder out = new StringBuilder();
    if (!PythonValues.appendRepr(out, v, room)) {
      budget.chars(room + 1);
    }
    budget.chars(out.length());
    return out.toString();
  }

  /** Python {@code int()} of a bool, int, float or decimal str. */
  private static Object toInt(@Nullable Object value, EvaluationBudget budget) {
    Object v = normalize(value);
    if (isInteger(v)) {
      return v instanceof Boolean ? (Object) PythonNumbers.asLong(v) : v;
    } else if (v instanceof Double) {
      return PythonNumbers.truncate((Double) v, budget);
    } else if (v instanceof String) {
      return PythonNumbers.parseInt((String) v, budget);
    }
    throw new Failure(
        "TypeError: int() argument must be a string, a bytes-like object or a real"
            + " number, not '"
            + typeName(v)
            + "'");
  }

  /** Python {@code float()} of a bool, int, float or str. */
  private static Object toFloat(@Nullable Object value) {
    Object v = normalize(value);
    if (isNumber(v)) {
      return asDouble(v);
    } else if (v instanceof String) {
      return PythonNumbers.parseFloat((String) v);
    }
    throw new Failure(
        "TypeError: float() argument must be a string or a real number, not '" + typeName(v) + "'");
  }

  /** Python {@code abs()}; a bool becomes an int. */
  private static Object abs(@Nullable Object value, EvaluationBudget budget) {
    Object v = normalize(value);
    if (v instanceof Double) {
      return Math.abs((Double) v);
    } else if (isInteger(v)) {
      return PythonNumbers.abs(v, budget);
    }
    throw new Failure("TypeError: bad operand type for abs(): '" + typeName(v) + "'");
  }
}
