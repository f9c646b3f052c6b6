package io.elspeth.transforms.gate.expression;

import static io.elspeth.transforms.gate.expression.PythonNumbers.asDouble;
import static io.elspeth.transforms.gate.expression.PythonNumbers.isInteger;
import static io.elspeth.transforms.gate.expression.PythonNumbers.isNumber;
import static io.elspeth.transforms.gate.expression.PythonValues.normalize;
import static io.elspeth.transforms.gate.expression.PythonValues.typeName;

import io.elspeth.transforms.gate.expression.PythonValues.Failure;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.jetbrains.annotations.Contract;

/**
 * Python's arithmetic over row values (see {@link PythonValues}): {@code + - * / // %} and the
 * unary signs, with ints of any size (through {@link PythonNumbers}), CPython's float floor
 * division and modulo, and string and list concatenation and repetition charged to the {@link
 * EvaluationBudget} before they are built.
 */
final class PythonArithmetic {
  private PythonArithmetic() {}

  /** Python {@code +}: numeric addition, or concatenation of two strings or two lists. */
  static Object add(@Nullable Object left, @Nullable Object right, EvaluationBudget budget) {
    Object a = normalize(left);
    Object b = normalize(right);
    if (isNumber(a) && isNumber(b)) {
      if (a instanceof Double || b instanceof Double) {
        return asDouble(a) + asDouble(b);
      }
      return PythonNumbers.add(a, b, budget);
    }
    if (a instanceof String && b instanceof String) {
      budget.chars((long) ((String) a).length() + ((String) b).length());
      return (String) a + b;
    }
    if (a instanceof List && b instanceof List) {
      budget.elements((long) ((List<?>) a).size() + ((List<?>) b).size());
      List<Object> joined = new ArrayList<>((List<?>) a);
      joined.addAll((List<?>) b);
      return Collections.unmodifiableList(joined);
    }
    throw unsupported("+", a, b);
  }

  /** Python {@code -} on numbers. */
  static Object subtract(@Nullable Object left, @Nullable Object right, EvaluationBudget budget) {
    Object a = normalize(left);
    Object b = normalize(right);
    requireNumbers("-", a, b);
    if (a instanceof Double || b instanceof Double) {
      return asDouble(a) - asDouble(b);
    }
    return PythonNumbers.subtract(a, b, budget);
  }

  /** Python {@code *}: numeric product, or repetition of a string or list by an int. */
  static Object multiply(@Nullable Object left, @Nullable Object right, EvaluationBudget budget) {
    Object a = normalize(left);
    Object b = normalize(right);
    if (isNumber(a) && isNumber(b)) {
      if (a instanceof Double || b instanceof Double) {
        return asDouble(a) * asDouble(b);
      }
      return PythonNumbers.multiply(a, b, budget);
    }
    if ((a instanceof String || a instanceof List) && isInteger(b)) {
      return repeat(a, repeatCount(b), budget);
    }
    if (isInteger(a) && (b instanceof String || b instanceof List)) {
      return repeat(b, repeatCount(a), budget);
    }
    throw unsupported("*", a, b);
  }

  /** A repeat count; an int beyond a long repeats more than any budget allows, or nothing. */
  private static long repeatCount(Object count) {
    Long small = PythonNumbers.asLongOrNull(count);
    if (small != null) {
      return small;
    }
    return ((BigInteger) count).signum() > 0 ? Long.MAX_VALUE : 0L;
  }

  /** Repeats a string or list; the budget is charged for the whole result before it is built. */
  private static Object repeat(Object sequence, long times, EvaluationBudget budget) {
    long count = Math.max(0L, times);
    int length =
        sequence instanceof String ? ((String) sequence).length() : ((List<?>) sequence).size();
    long total =
        length == 0 ? 0L : count > Long.MAX_VALUE / length ? Long.MAX_VALUE : count * length;
    if (sequence instanceof String) {
      budget.chars(total);
      return ((String) sequence).repeat((int) (length == 0 ? 0L : count));
    }
    budget.elements(total);
    if (length == 0) {
      return List.of();
    }
    List<Object> repeated = new ArrayList<>();
    for (long i = 0; i < count; i++) {
      repeated.addAll((List<?>) sequence);
    }
    return Collections.unmodifiableList(repeated);
  }

  /** Python {@code /}: always a float. */
  static Object trueDivide(@Nullable Object left, @Nullable Object right) {
    Object a = normalize(left);
    Object b = normalize(right);
    requireNumbers("/", a, b);
    if (isInteger(a) && isInteger(b)) {
      if (PythonNumbers.asBig(b).signum() == 0) {
        throw new Failure("ZeroDivisionError: division by zero");
      }
      return PythonNumbers.trueDivideIntegers(a, b);
    }
    double divisor = asDouble(b);
    if (divisor == 0.0) {
      throw new Failure("ZeroDivisionError: division by zero");
    }
    return asDouble(a) / divisor;
  }

  /** Python {@code //}: floor division; int for two ints, float otherwise. */
  static Object floorDivide(@Nullable Object left, @Nullable Object right) {
    Object a = normalize(left);
    Object b = normalize(right);
    requireNumbers("//", a, b);
    if (a instanceof Double || b instanceof Double) {
      double x = asDouble(a);
      double y = asDouble(b);
      if (y == 0.0) {
        throw new Failure("ZeroDivisionError: float floor division by zero");
      }
      return floatDivMod(x, y)[0];
    }
    if (PythonNumbers.asBig(b).signum() == 0) {
      throw new Failure("ZeroDivisionError: integer division by zero");
    }
    return PythonNumbers.floorDivMod(a, b)[0];
  }

  /** Python {@code %}: the result takes the sign of the divisor. */
  static Object modulo(@Nullable Object left, @Nullable Object right) {
    Object a = normalize(left);
    Object b = normalize(right);
    requireNumbers("%", a, b);
    if (a instanceof Double || b instanceof Double) {
      double x = asDouble(a);
      double y = asDouble(b);
      if (y == 0.0) {
        throw new Failure("ZeroDivisionError: float modulo by zero");
      }
      return floatDivMod(x, y)[1];
    }
    if (PythonNumbers.asBig(b).signum() == 0) {
      throw new Failure("ZeroDivisionError: integer modulo by zero");
    }
    return PythonNumbers.floorDivMod(a, b)[1];
  }

  /** CPython's {@code float_divmod}: returns {floor quotient, modulo}. */
  private static double[] floatDivMod(double x, double y) {
    double mod = x % y;
    double div = (x - mod) / y;
    if (mod != 0.0) {
      if ((y < 0) != (mod < 0)) {
        mod += y;
        div -= 1.0;
      }
    } else {
      mod = Math.copySign(0.0, y);
    }
    double floorDiv;
    if (div != 0.0) {
      floorDiv = Math.floor(div);
      if (div - floorDiv > 0.5) {
        floorDiv += 1.0;
      }
    } else {
      floorDiv = Math.copySign(0.0, x / y);
    }
    return new double[] {floorDiv, mod};
  }

  /** Python unary {@code -}. */
  static Object negate(@Nullable Object operand, EvaluationBudget budget) {
    Object v = normalize(operand);
    if (v instanceof Double) {
      return -(Double) v;
    }
    if (isInteger(v)) {
      return PythonNumbers.negate(v, budget);
    }
    throw new Failure("TypeError: bad operand type for unary -: '" + typeName(v) + "'");
  }

  /** Python unary {@code +}: numbers only; bool becomes int. */
  static Object plus(@Nullable Object operand) {
    Object v = normalize(operand);
    if (v instanceof Double) {
      return v;
    }
    if (isInteger(v)) {
      return v instanceof Boolean ? (Object) PythonNumbers.asLong(v) : v;
    }
    throw new Failure("TypeError: bad operand type for unary +: '" + typeName(v) + "'");
  }

  @Contract("_, null, _ -> fail; _, _, null -> fail")
  private static void requireNumbers(String symbol, @Nullable Object a, @Nullable Object b) {
    if (!isNumber(a) || !isNumber(b)) {
      throw unsupported(symbol, a, b);
    }
  }

  private static Failure unsupported(String symbol, @Nullable Object a, @Nullable Object b) {
    return new Failure(
        "TypeError: unsupported operand type(s) for "
            + symbol
            + ": '"
            + typeName(a)
            + "' and '"
            + typeName(b)
            + "'");
  }
}
