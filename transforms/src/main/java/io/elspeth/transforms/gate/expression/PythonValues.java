package io.elspeth.transforms.gate.expression;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * Python value semantics over the Java representation of row values: {@code None} is {@code null},
 * {@code bool} is {@link Boolean}, {@code int} is {@link Long} (or {@link BigInteger} beyond 64
 * bits, see {@link PythonNumbers}), {@code float} is {@link Double},
 * {@code str} is {@link String}, {@code list}/{@code tuple} is {@link List}, {@code set} is {@link
 * Set} and {@code dict} is {@link Map}. {@link Integer}, {@link Short}, {@link Byte} and small
 * {@link BigInteger}s are treated as {@code int} and {@link Float} as {@code float}. Any other
 * object is opaque: it supports equality, truthiness and, against an object of the same class,
 * ordering when it is {@link Comparable}.
 *
 * <p>Helpers report failures with {@link Failure}; the AST node that called the helper converts it
 * into an {@link ExpressionEvaluationException} carrying the node's column. Helpers that build
 * values or walk collections charge an {@link EvaluationBudget} first, so a hostile expression or
 * row fails with an {@link ExpressionBudgetException} instead of exhausting the worker.
 */
final class PythonValues {

  /** Longest {@code repr} of a value placed in an error message; longer ones are cut short. */
  static final int MAX_REPR_IN_MESSAGE = 200;

  /** Returned by {@link #lookup(Map, Object)} when the key is absent. */
  private static final Object MISSING = new Object();

  private PythonValues() {}

  /** A runtime failure not yet attributed to a position in the source. */
  static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Failure(String message) {
      super(message, null, false, false);
    }

    /** Returns the public exception for this failure, located at {@code column}. */
    ExpressionEvaluationException at(int column) {
      return new ExpressionEvaluationException(getMessage() + " at column " + column);
    }
  }

  // ------------------------------------------------------------------------ types and values

  /** Maps Java numeric types onto {@link Long} and {@link Double}; other values are unchanged. */
  static Object normalize(Object value) {
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof Float) {
      return ((Float) value).doubleValue();
    }
    if (value instanceof BigInteger && ((BigInteger) value).bitLength() < 64) {
      return ((BigInteger) value).longValue();
    }
    return value;
  }

  /** Returns the Python type name of a value, e.g. {@code 'str'}, for error messages. */
  static String typeName(Object value) {
    Object v = normalize(value);
    if (v == null) {
      return "NoneType";
    } else if (v instanceof Boolean) {
      return "bool";
    } else if (v instanceof Long || v instanceof BigInteger) {
      return "int";
    } else if (v instanceof Double) {
      return "float";
    } else if (v instanceof String) {
      return "str";
    } else if (v instanceof List) {
      return "list";
    } else if (v instanceof Set) {
      return "set";
    } else if (v instanceof Map) {
      return "dict";
    }
    return v.getClass().getSimpleName();
  }

  /**
   * Returns a Python-style {@code repr} of a value for an error message, cut to {@link
   * #MAX_REPR_IN_MESSAGE} characters (ending in {@code ...}) so that a huge value cannot bloat the
   * failure reason recorded for a row.
   */
  static String repr(Object value) {
    StringBuilder out = new StringBuilder();
    if (!appendRepr(out, value, MAX_REPR_IN_MESSAGE)) {
      out.setLength(MAX_REPR_IN_MESSAGE);
      out.append("...");
    }
    return out.toString();
  }

  /**
   * Appends the {@code repr} of {@code value} to {@code out}, stopping early once {@code out} is
   * longer than {@code limit}.
   *
   * @return whether the whole repr fitted within {@code limit}
   */
  static boolean appendRepr(StringBuilder out, Object value, long limit) {
    Object v = normalize(value);
    if (v == null) {
      out.append("None");
    } else if (v instanceof Boolean) {
      out.append((Boolean) v ? "True" : "False");
    } else if (v instanceof Double) {
      out.append(PythonNumbers.floatRepr((Double) v));
    } else if (v instanceof String) {
      appendStringRepr(out, (String) v, limit);
    } else if (v instanceof Collection) {
      boolean set = v instanceof Set;
      if (set && ((Set<?>) v).isEmpty()) {
        out.append("set()");
        return out.length() <= limit;
      }
      out.append(set ? '{' : '[');
      boolean first = true;
      for (Object element : (Collection<?>) v) {
        out.append(first ? "" : ", ");
        first = false;
        if (!appendRepr(out, element, limit)) {
          return false;
        }
      }
      out.append(set ? '}' : ']');
    } else if (v instanceof Map) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> entry : ((Map<?, ?>) v).entrySet()) {
        out.append(first ? "" : ", ");
        first = false;
        if (!appendRepr(out, entry.getKey(), limit)) {
          return false;
        }
        out.append(": ");
        if (!appendRepr(out, entry.getValue(), limit)) {
          return false;
        }
      }
      out.append('}');
    } else {
      String text = String.valueOf(v);
      out.append(text, 0, (int) Math.min(text.length(), Math.max(0L, limit - out.length() + 1)));
    }
    return out.length() <= limit;
  }

  private static void appendStringRepr(StringBuilder out, String s, long limit) {
    char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    out.append(quote);
    for (int i = 0; i < s.length() && out.length() <= limit; i++) {
      char c = s.charAt(i);
      if (c == quote || c == '\\') {
        out.append('\\').append(c);
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c == '\t') {
        out.append("\\t");
      } else if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\x%02x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append(quote);
  }

  /** Python truthiness: None, False, 0, 0.0, '' and empty collections are false. */
  static boolean isTruthy(Object value) {
    Object v = normalize(value);
    if (v == null) {
      return false;
    } else if (v instanceof Boolean) {
      return (Boolean) v;
    } else if (v instanceof Long) {
      return (Long) v != 0L;
    } else if (v instanceof Double) {
      return (Double) v != 0.0;
    } else if (v instanceof BigInteger) {
      return ((BigInteger) v).signum() != 0;
    } else if (v instanceof String) {
      return !((String) v).isEmpty();
    } else if (v instanceof Collection) {
      return !((Collection<?>) v).isEmpty();
    } else if (v instanceof Map) {
      return !((Map<?, ?>) v).isEmpty();
    }
    return true;
  }

  private static boolean isNumber(Object v) {
    return PythonNumbers.isNumber(v);
  }

  private static boolean isInteger(Object v) {
    return PythonNumbers.isInteger(v);
  }

  private static double asDouble(Object v) {
    return PythonNumbers.asDouble(v);
  }

  // ------------------------------------------------------------------------ comparison

  /**
   * Python {@code ==}: numeric across bool/int/float, structural for lists, sets and dicts. Each
   * comparison, including each element comparison, is one step of {@code budget}.
   */
  static boolean pyEquals(Object left, Object right, EvaluationBudget budget) {
    budget.step();
    Object a = normalize(left);
    Object b = normalize(right);
    if (a == null || b == null) {
      return a == b;
    }
    if (isNumber(a) && isNumber(b)) {
      Integer order = PythonNumbers.compare(a, b);
      return order != null && order == 0;
    }
    if (a instanceof List && b instanceof List) {
      List<?> la = (List<?>) a;
      List<?> lb = (List<?>) b;
      if (la.size() != lb.size()) {
        return false;
      }
      Iterator<?> ib = lb.iterator();
      for (Object element : la) {
        if (!pyEquals(element, ib.next(), budget)) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Set && b instanceof Set) {
      Set<?> sa = (Set<?>) a;
      Set<?> sb = (Set<?>) b;
      return sa.size() == sb.size()
          && sa.stream().allMatch(x -> sb.stream().anyMatch(y -> pyEquals(x, y, budget)));
    }
    if (a instanceof Map && b instanceof Map) {
      Map<?, ?> ma = (Map<?, ?>) a;
      Map<?, ?> mb = (Map<?, ?>) b;
      if (ma.size() != mb.size()) {
        return false;
      }
      for (Map.Entry<?, ?> entry : ma.entrySet()) {
        Object other = lookup(mb, normalize(entry.getKey()), budget);
        if (other == MISSING || !pyEquals(entry.getValue(), other, budget)) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }

  /**
   * Python ordering ({@code <}, {@code <=}, {@code >}, {@code >=}) between numbers, strings (by
   * code point), lists (lexicographically) or same-class {@link Comparable} values.
   *
   * @param symbol the operator, for the error message
   * @param outcome whether the comparison holds given the sign of left compared with right
   * @throws Failure for operands Python cannot order, e.g. {@code 'a' < 1}
   */
  static boolean ordered(
      String symbol, IntPredicate outcome, Object left, Object right, EvaluationBudget budget) {
    budget.step();
    Object a = normalize(left);
    Object b = normalize(right);
    if (isNumber(a) && isNumber(b)) {
      Integer order = PythonNumbers.compare(a, b);
      return order != null && outcome.test(order);
    }
    if (a instanceof String && b instanceof String) {
      return outcome.test(compareCodePoints((String) a, (String) b));
    }
    if (a instanceof List && b instanceof List) {
      List<?> la = (List<?>) a;
      List<?> lb = (List<?>) b;
      int common = Math.min(la.size(), lb.size());
      for (int i = 0; i < common; i++) {
        if (!pyEquals(la.get(i), lb.get(i), budget)) {
          return ordered(symbol, outcome, la.get(i), lb.get(i), budget);
        }
      }
      return outcome.test(Integer.compare(la.size(), lb.size()));
    }
    if (a != null
        && b != null
        && a.getClass() == b.getClass()
        && a instanceof Comparable
        && !(a instanceof Boolean)
        && !(a instanceof Collection)
        && !(a instanceof Map)) {
      @SuppressWarnings("unchecked")
      Comparable<Object> comparable = (Comparable<Object>) a;
      return outcome.test(comparable.compareTo(b));
    }
    throw new Failure(
        "TypeError: '"
            + symbol
            + "' not supported between instances of '"
            + typeName(a)
            + "' and '"
            + typeName(b)
            + "'");
  }

  private static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Boolean.compare(i < a.length(), j < b.length());
  }

  /**
   * Python {@code is}: None, True and False are singletons; equal ints, floats or strings count as
   * the same object (so the answer never depends on boxing caches); anything else must be the same
   * Java object.
   */
  static boolean isSameObject(Object left, Object right) {
    Object a = normalize(left);
    Object b = normalize(right);
    if (a == null || b == null) {
      return a == b;
    }
    if (a instanceof Boolean
        || b instanceof Boolean
        || a instanceof Long
        || b instanceof Long
        || a instanceof Double
        || b instanceof Double
        || a instanceof String
        || b instanceof String) {
      return a.equals(b);
    }
    return a == b;
  }

  /**
   * Python {@code in}: substring test for strings, key test for dicts, element equality for lists,
   * tuples and sets.
   */
  static boolean contains(Object container, Object item, EvaluationBudget budget) {
    Object c = normalize(container);
    Object x = normalize(item);
    if (c instanceof String) {
      if (!(x instanceof String)) {
        throw new Failure(
            "TypeError: 'in <string>' requires string as left operand, not " + typeName(x));
      }
      return Substrings.contains((String) c, (String) x);
    }
    if (c instanceof Map) {
      requireHashable(x);
      return lookup((Map<?, ?>) c, x, budget) != MISSING;
    }
    if (c instanceof Collection) {
      if (c instanceof Set) {
        requireHashable(x);
      }
      for (Object element : (Collection<?>) c) {
        if (pyEquals(element, x, budget)) {
          return true;
        }
      }
      return false;
    }
    throw new Failure("TypeError: argument of type '" + typeName(c) + "' is not iterable");
  }

  // ------------------------------------------------------------------------ access

  /**
   * Python {@code target[index]} on a dict, list or str; row lookups get a field-specific message.
   */
  static Object subscript(
      Object target, Object index, boolean targetIsRow, EvaluationBudget budget) {
    Object t = normalize(target);
    Object i = normalize(index);
    if (t instanceof Map) {
      requireHashable(i);
      Object value = lookup((Map<?, ?>) t, i, budget);
      if (value == MISSING) {
        throw new Failure(
            targetIsRow
                ? "KeyError: row has no field "
                    + repr(i)
                    + " (use row.get("
                    + repr(i)
                    + ") if the field is optional)"
                : "KeyError: key " + repr(i) + " not found");
      }
      return normalize(value);
    }
    if (t instanceof List) {
      List<?> list = (List<?>) t;
      return normalize(list.get(sequenceIndex(i, list.size(), "list")));
    }
    if (t instanceof String) {
      String s = (String) t;
      int offset =
          s.offsetByCodePoints(0, sequenceIndex(i, s.codePointCount(0, s.length()), "string"));
      return new String(Character.toChars(s.codePointAt(offset)));
    }
    throw new Failure("TypeError: '" + typeName(t) + "' object is not subscriptable");
  }

  /** Python {@code dict.get(key, default)}. */
  static Object get(Map<?, ?> row, Object key, Object fallback, EvaluationBudget budget) {
    Object k = normalize(key);
    requireHashable(k);
    Object value = lookup(row, k, budget);
    return value == MISSING ? fallback : normalize(value);
  }

  private static int sequenceIndex(Object index, int size, String kind) {
    if (!isInteger(index)) {
      throw new Failure("TypeError: " + kind + " indices must be integers, not " + typeName(index));
    }
    Long small = PythonNumbers.asLongOrNull(index);
    if (small == null) {
      throw new Failure("IndexError: " + kind + " index " + index + " out of range (length " + size
          + ")");
    }
    long i = small;
    long resolved = i < 0 ? i + size : i;
    if (resolved < 0 || resolved >= size) {
      throw new Failure(
          "IndexError: " + kind + " index " + i + " out of range (length " + size + ")");
    }
    return (int) resolved;
  }

  private static void requireHashable(Object key) {
    if (key instanceof Collection || key instanceof Map) {
      throw new Failure("TypeError: unhashable type: '" + typeName(key) + "'");
    }
  }

  /**
   * Looks a key up as a Python dict would: by Java equality first, then, for numeric keys, by
   * Python numeric equality (so {@code 1}, {@code 1.0} and {@code True} find the same entry).
   *
   * @return the value, or {@link #MISSING}
   */
  private static Object lookup(Map<?, ?> map, Object key, EvaluationBudget budget) {
    try {
      if (map.containsKey(key)) {
        return map.get(key);
      }
    } catch (NullPointerException | ClassCastException e) {
      // The map does not support this key type (e.g. null in an immutable map); scan instead.
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        if (pyEquals(entry.getKey(), key, budget)) {
          return entry.getValue();
        }
      }
      return MISSING;
    }
    if (isNumber(key)) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        Object candidate = normalize(entry.getKey());
        if (isNumber(candidate) && pyEquals(candidate, key, budget)) {
          return entry.getValue();
        }
      }
    }
    return MISSING;
  }

  // ------------------------------------------------------------------------ arithmetic

  /** Python {@code +}: numeric addition, or concatenation of two strings or two lists. */
  static Object add(Object left, Object right, EvaluationBudget budget) {
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
  static Object subtract(Object left, Object right, EvaluationBudget budget) {
    Object a = normalize(left);
    Object b = normalize(right);
    requireNumbers("-", a, b);
    if (a instanceof Double || b instanceof Double) {
      return asDouble(a) - asDouble(b);
    }
    return PythonNumbers.subtract(a, b, budget);
  }

  /** Python {@code *}: numeric product, or repetition of a string or list by an int. */
  static Object multiply(Object left, Object right, EvaluationBudget budget) {
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
    long total = length == 0 ? 0L : count > Long.MAX_VALUE / length ? Long.MAX_VALUE : count * length;
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
  static Object trueDivide(Object left, Object right) {
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
  static Object floorDivide(Object left, Object right) {
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
  static Object modulo(Object left, Object right) {
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
  static Object negate(Object operand, EvaluationBudget budget) {
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
  static Object plus(Object operand) {
    Object v = normalize(operand);
    if (v instanceof Double) {
      return v;
    }
    if (isInteger(v)) {
      return v instanceof Boolean ? PythonNumbers.asLongOrNull(v) : v;
    }
    throw new Failure("TypeError: bad operand type for unary +: '" + typeName(v) + "'");
  }

  // ------------------------------------------------------------------------ displays

  /**
   * A dict display: keys must be hashable; a repeated key (by Python equality, so {@code 1},
   * {@code 1.0} and {@code True} are one key) keeps its first position and takes the last value.
   */
  static Map<Object, Object> dict(List<Object> keys, List<Object> values, EvaluationBudget budget) {
    Map<Object, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      Object key = normalize(keys.get(i));
      requireHashable(key);
      Object existing = MISSING;
      for (Object candidate : map.keySet()) {
        if (pyEquals(candidate, key, budget)) {
          existing = candidate;
          break;
        }
      }
      map.put(existing == MISSING ? key : existing, values.get(i));
    }
    return Collections.unmodifiableMap(map);
  }

  /** A set display: elements must be hashable; equal elements (by Python equality) count once. */
  static Set<Object> set(List<Object> elements, EvaluationBudget budget) {
    Set<Object> set = new LinkedHashSet<>();
    for (Object element : elements) {
      Object e = normalize(element);
      requireHashable(e);
      boolean present = false;
      for (Object candidate : set) {
        if (pyEquals(candidate, e, budget)) {
          present = true;
          break;
        }
      }
      if (!present) {
        set.add(e);
      }
    }
    return Collections.unmodifiableSet(set);
  }

  // ------------------------------------------------------------------------ built-in functions

  /** Python {@code len()}: code points of a str, elements of a list, tuple, set or dict. */
  static Object length(Object value) {
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
  static String str(Object value, EvaluationBudget budget) {
    Object v = normalize(value);
    if (v instanceof String) {
      return (String) v;
    }
    if (v instanceof Long || v instanceof BigInteger) {
      return PythonNumbers.intText(v, budget);
    }
    long room = budget.remainingChars();
    StringBuilder out = new StringBuilder();
    if (!appendRepr(out, v, room)) {
      budget.chars(room + 1);
    }
    budget.chars(out.length());
    return out.toString();
  }

  /** Python {@code int()} of a bool, int, float or decimal str. */
  static Object toInt(Object value, EvaluationBudget budget) {
    Object v = normalize(value);
    if (isInteger(v)) {
      return v instanceof Boolean ? PythonNumbers.asLongOrNull(v) : v;
    } else if (v instanceof Double) {
      return PythonNumbers.truncate((Double) v, budget);
    } else if (v instanceof String) {
      return PythonNumbers.parseInt((String) v, budget);
    }
    throw new Failure("TypeError: int() argument must be a string, a bytes-like object or a real"
        + " number, not '" + typeName(v) + "'");
  }

  /** Python {@code float()} of a bool, int, float or str. */
  static Object toFloat(Object value) {
    Object v = normalize(value);
    if (isNumber(v)) {
      return asDouble(v);
    } else if (v instanceof String) {
      return PythonNumbers.parseFloat((String) v);
    }
    throw new Failure("TypeError: float() argument must be a string or a real number, not '"
        + typeName(v) + "'");
  }

  /** Python {@code abs()}; a bool becomes an int. */
  static Object abs(Object value, EvaluationBudget budget) {
    Object v = normalize(value);
    if (v instanceof Double) {
      return Math.abs((Double) v);
    } else if (isInteger(v)) {
      return PythonNumbers.abs(v, budget);
    }
    throw new Failure("TypeError: bad operand type for abs(): '" + typeName(v) + "'");
  }

  private static void requireNumbers(String symbol, Object a, Object b) {
    if (!isNumber(a) || !isNumber(b)) {
      throw unsupported(symbol, a, b);
    }
  }

  private static Failure unsupported(String symbol, Object a, Object b) {
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
