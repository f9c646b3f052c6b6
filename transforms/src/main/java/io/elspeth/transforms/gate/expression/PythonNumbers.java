package io.elspeth.transforms.gate.expression;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.jetbrains.annotations.Contract;

/**
 * Python's numeric tower over normalised values: {@code bool} ({@link Boolean}), {@code int}
 * ({@link Long}, or {@link BigInteger} once a result no longer fits in 64 bits, as Python's ints
 * have no fixed width) and {@code float} ({@link Double}).
 *
 * <p>Integer results are returned as a {@link Long} whenever they fit. Building a {@link
 * BigInteger} charges the {@link EvaluationBudget} its decimal digits first, so big-number
 * arithmetic cannot exhaust the worker either.
 */
final class PythonNumbers {

  /** Python's limit on decimal digits converted to or from a string (sys.int_info). */
  static final int MAX_STR_DIGITS = 4300;

  private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

  /** Decimal digits per bit, to estimate a result's digits from its bit length. */
  private static final double DIGITS_PER_BIT = Math.log10(2);

  private static final Pattern INT_TEXT = Pattern.compile("[+-]?[0-9]+(?:_[0-9]+)*");
  private static final Pattern FLOAT_TEXT =
      Pattern.compile(
          "[+-]?(?:(?:[0-9]+(?:_[0-9]+)*(?:\\.(?:[0-9]+(?:_[0-9]+)*)?)?|\\.[0-9]+(?:_[0-9]+)*)"
              + "(?:[eE][+-]?[0-9]+(?:_[0-9]+)*)?)");
  private static final Pattern FLOAT_SPECIAL =
      Pattern.compile("[+-]?(?:inf|infinity|nan)", Pattern.CASE_INSENSITIVE);

  private PythonNumbers() {}

  /** Whether a normalised value takes part in arithmetic: bool, int or float. */
  @Contract("null -> false")
  static boolean isNumber(@Nullable Object v) {
    return v instanceof Boolean
        || v instanceof Long
        || v instanceof BigInteger
        || v instanceof Double;
  }

  /** Whether a normalised value is a bool or an int. */
  @Contract("null -> false")
  static boolean isInteger(@Nullable Object v) {
    return v instanceof Boolean || v instanceof Long || v instanceof BigInteger;
  }

  /** The int value of a bool or int; {@code null} when it does not fit in a long. */
  static @Nullable Long asLongOrNull(Object v) {
    if (v instanceof Boolean) {
      return (Boolean) v ? 1L : 0L;
    }
    if (v instanceof Long) {
      return (Long) v;
    }
    return null;
  }

  /** The int value of a bool or a long-sized int; callers have checked it is one. */
  static long asLong(Object v) {
    Long x = asLongOrNull(v);
    if (x == null) {
      throw new IllegalStateException(
          "expected a bool or a long-sized int, got " + v.getClass().getSimpleName());
    }
    return x;
  }

  static BigInteger asBig(Object v) {
    return v instanceof BigInteger ? (BigInteger) v : BigInteger.valueOf(asLong(v));
  }

  /** Converts a number to float as Python does, refusing an int too large for a float. */
  static double asDouble(Object v) {
    if (v instanceof Double) {
      return (Double) v;
    }
    if (v instanceof BigInteger) {
      double d = ((BigInteger) v).doubleValue();
      if (Double.isInfinite(d)) {
        throw new PythonValues.Failure("OverflowError: int too large to convert to float");
      }
      return d;
    }
    return (double) asLong(v);
  }

  /** An int result: a {@link Long} when it fits, else the {@link BigInteger}. */
  static Object integer(BigInteger value) {
    return value.compareTo(LONG_MIN) >= 0 && value.compareTo(LONG_MAX) <= 0
        ? (Object) value.longValue()
        : value;
  }

  /** Charges the budget for an int result of about {@code bits} bits that outgrew a long. */
  static void chargeDigits(long bits, EvaluationBudget budget) {
    budget.chars((long) Math.ceil(bits * DIGITS_PER_BIT) + 1);
  }

  /**
   * Compares two numbers exactly, as Python does across int and float.
   *
   * @return negative, zero or positive, or {@code null} when a NaN makes them unordered
   */
  static @Nullable Integer compare(Object a, Object b) {
    if (!(a instanceof Double) && !(b instanceof Double)) {
      Long x = asLongOrNull(a);
      Long y = asLongOrNull(b);
      return x != null && y != null ? Long.compare(x, y) : asBig(a).compareTo(asBig(b));
    }
    if (a instanceof Double && b instanceof Double) {
      double x = (Double) a;
      double y = (Double) b;
      if (Double.isNaN(x) || Double.isNaN(y)) {
        return null;
      }
      return x < y ? -1 : x > y ? 1 : 0;
    }
    boolean leftIsDouble = a instanceof Double;
    double d = leftIsDouble ? (Double) a : (Double) b;
    BigInteger i = asBig(leftIsDouble ? b : a);
    if (Double.isNaN(d)) {
      return null;
    }
    int intVersusDouble =
        Double.isInfinite(d) ? (d > 0 ? -1 : 1) : new BigDecimal(i).compareTo(new BigDecimal(d));
    return leftIsDouble ? -intVersusDouble : intVersusDouble;
  }

  // ------------------------------------------------------------------ int arithmetic

  static Object add(Object a, Object b, EvaluationBudget budget) {
    Long x = asLongOrNull(a);
    Long y = asLongOrNull(b);
    if (x != null && y != null) {
      long sum = x + y;
      if (((x ^ sum) & (y ^ sum)) >= 0) {
        return sum;
      }
    }
    BigInteger p = asBig(a);
    BigInteger q = asBig(b);
    chargeDigits(Math.max(p.bitLength(), q.bitLength()) + 1L, budget);
    return integer(p.add(q));
  }

  static Object subtract(Object a, Object b, EvaluationBudget budget) {
    Long x = asLongOrNull(a);
    Long y = asLongOrNull(b);
    if (x != null && y != null) {
      long difference = x - y;
      if (((x ^ y) & (x ^ difference)) >= 0) {
        return difference;
      }
    }
    BigInteger p = asBig(a);
    BigInteger q = asBig(b);
    chargeDigits(Math.max(p.bitLength(), q.bitLength()) + 1L, budget);
    return integer(p.subtract(q));
  }

  static Object multiply(Object a, Object b, EvaluationBudget budget) {
    Long x = asLongOrNull(a);
    Long y = asLongOrNull(b);
    if (x != null && y != null) {
      long high = Math.multiplyHigh(x, y);
      long low = x * y;
      if ((high == 0 && low >= 0) || (high == -1 && low < 0)) {
        return low;
      }
    }
    BigInteger p = asBig(a);
    BigInteger q = asBig(b);
    chargeDigits((long) p.bitLength() + q.bitLength(), budget);
    return integer(p.multiply(q));
  }

  /** Floor quotient and modulo (sign of the divisor) of two ints; the divisor is not zero. */
  static Object[] floorDivMod(Object a, Object b) {
    Long x = asLongOrNull(a);
    Long y = asLongOrNull(b);
    if (x != null && y != null && !(x == Long.MIN_VALUE && y == -1L)) {
      return new Object[] {Math.floorDiv(x, y), Math.floorMod(x, y)};
    }
    BigInteger p = asBig(a);
    BigInteger q = asBig(b);
    BigInteger[] qr = p.divideAndRemainder(q);
    if (qr[1].signum() != 0 && qr[1].signum() != q.signum()) {
      qr[0] = qr[0].subtract(BigInteger.ONE);
      qr[1] = qr[1].add(q);
    }
    return new Object[] {integer(qr[0]), integer(qr[1])};
  }

  /** Python {@code int / int}: correctly rounded for any size; the divisor is not zero. */
  static double trueDivideIntegers(Object a, Object b) {
    Long x = asLongOrNull(a);
    Long y = asLongOrNull(b);
    if (x != null && y != null && Math.abs(x) < (1L << 53) && Math.abs(y) < (1L << 53)) {
      return (double) x / (double) y;
    }
    double quotient =
        new BigDecimal(asBig(a))
            .divide(new BigDecimal(asBig(b)), MathContext.DECIMAL128)
            .doubleValue();
    if (Double.isInfinite(quotient)) {
      throw new PythonValues.Failure(
          "OverflowError: integer division result too large for a float");
    }
    return quotient;
  }

  static Object negate(Object v, EvaluationBudget budget) {
    Long x = asLongOrNull(v);
    if (x != null && x != Long.MIN_VALUE) {
      return -x;
    }
    BigInteger big = asBig(v);
    chargeDigits(big.bitLength() + 1L, budget);
    return integer(big.negate());
  }

  static Object abs(Object v, EvaluationBudget budget) {
    Long x = asLongOrNull(v);
    return x != null && x >= 0 ? (Object) x : negateIfNegative(v, budget);
  }

  private static Object negateIfNegative(Object v, EvaluationBudget budget) {
    return asBig(v).signum() < 0 ? negate(v, budget) : integer(asBig(v));
  }

  // ------------------------------------------------------------------ conversions

  /** Python {@code int(text)} in base 10, with Python's digit limit. */
  static Object parseInt(String text, EvaluationBudget budget) {
    String stripped = text.strip();
    if (!INT_TEXT.matcher(stripped).matches()) {
      throw new PythonValues.Failure(
          "ValueError: invalid literal for int() with base 10: " + PythonValues.repr(text));
    }
    String digits = stripped.replace("_", "");
    int count = digits.length() - (digits.startsWith("+") || digits.startsWith("-") ? 1 : 0);
    if (count > MAX_STR_DIGITS) {
      throw new PythonValues.Failure(
          "ValueError: Exceeds the limit ("
              + MAX_STR_DIGITS
              + " digits) for integer string conversion: value has "
              + count
              + " digits");
    }
    if (count > 18) {
      budget.chars(count);
    }
    return integer(new BigInteger(digits));
  }

  /** Python {@code int(float)}: truncates towards zero. */
  static Object truncate(double d, EvaluationBudget budget) {
    if (Double.isNaN(d)) {
      throw new PythonValues.Failure("ValueError: cannot convert float NaN to integer");
    }
    if (Double.isInfinite(d)) {
      throw new PythonValues.Failure("OverflowError: cannot convert float infinity to integer");
    }
    if (Math.abs(d) < 9.2e18) {
      return (long) d;
    }
    chargeDigits(Math.getExponent(d) + 1L, budget);
    return integer(new BigDecimal(d).toBigInteger());
  }

  /** Python {@code float(text)}: decimal or scientific notation, inf, infinity, nan. */
  static double parseFloat(String text) {
    String stripped = text.strip();
    if (FLOAT_SPECIAL.matcher(stripped).matches()) {
      String lower = stripped.toLowerCase(java.util.Locale.ROOT);
      boolean negative = lower.startsWith("-");
      return lower.contains("nan")
          ? Double.NaN
          : negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    if (!FLOAT_TEXT.matcher(stripped).matches()) {
      throw new PythonValues.Failure(
          "ValueError: could not convert string to float: " + PythonValues.repr(text));
    }
    return Double.parseDouble(stripped.replace("_", ""));
  }

  /** The decimal text of an int, with Python's digit limit. */
  static String intText(Object v, EvaluationBudget budget) {
    if (!(v instanceof BigInteger)) {
      return Long.toString(asLong(v));
    }
    BigInteger big = (BigInteger) v;
    if (big.bitLength() * DIGITS_PER_BIT > MAX_STR_DIGITS + 1) {
      throw new PythonValues.Failure(
          "ValueError: Exceeds the limit ("
              + MAX_STR_DIGITS
              + " digits) for integer string conversion");
    }
    String text = big.toString();
    budget.chars(text.length());
    return text;
  }

  /** Python's {@code repr} of a float: shortest round-trip digits, exponent outside 1e-4..1e16. */
  static String floatRepr(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    if (d == 0) {
      return 1 / d < 0 ? "-0.0" : "0.0";
    }
    BigDecimal exact = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
    String digits = exact.unscaledValue().toString();
    int exponent = digits.length() - 1 - exact.scale();
    StringBuilder out = new StringBuilder(d < 0 ? "-" : "");
    if (exponent >= -4 && exponent < 16) {
      if (exponent < 0) {
        out.append("0.").append("0".repeat(-exponent - 1)).append(digits);
      } else if (digits.length() <= exponent + 1) {
        out.append(digits).append("0".repeat(exponent + 1 - digits.length())).append(".0");
      } else {
        out.append(digits, 0, exponent + 1)
            .append('.')
            .append(digits, exponent + 1, digits.length());
      }
      return out.toString();
    }
    out.append(digits.charAt(0));
    if (digits.length() > 1) {
      out.append('.').append(digits, 1, digits.length());
    }
    out.append('e').append(exponent < 0 ? '-' : '+');
    String magnitude = Integer.toString(Math.abs(exponent));
    return out.append(magnitude.length() < 2 ? "0" : "").append(magnitude).toString();
  }
}
