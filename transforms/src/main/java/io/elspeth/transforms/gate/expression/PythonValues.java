package io.elspeth.transforms.gate.expression;

import java.math.BigInteger;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Python value semantics over the Java representation of row values: {@code None} is {@code null},
 * {@code bool} is {@link Boolean}, {@code int} is {@link Long} (or {@link BigInteger} beyond 64
 * bits, see {@link PythonNumbers}), {@code float} is {@link Double}, {@code str} is {@link String},
 * {@code list}/{@code tuple} is {@link List}, {@code set} is {@link Set} and {@code dict} is {@link
 * Map}. {@link Integer}, {@link Short}, {@link Byte} and small {@link BigInteger}s are treated as
 * {@code int} and {@link Float} as {@code float}. Any other object is opaque: it supports equality,
 * truthiness and, against an object of the same class, ordering when it is {@link Comparable}.
 *
 * <p>{@code None} stays {@code null} rather than a dedicated object because it arrives as {@code
 * null} in rows (at any depth of nested lists and maps) and leaves as {@code null} in the results
 * callers read: a sentinel would need converting both ways, copying every container it could hide
 * in. So a Python value is a {@code @Nullable Object} wherever one is passed.
 *
 * <p>This class holds what every operation needs (normalising, type names, {@code repr},
 * truthiness, the failure type); the operations are in {@link PythonComparisons}, {@link
 * PythonContainers}, {@link PythonArithmetic} and {@link Builtin}.
 *
 * <p>Helpers report failures with {@link Failure}; the AST node that called the helper converts it
 * into an {@link ExpressionEvaluationException} carrying the node's column. Helpers that build
 * values or walk collections charge an {@link EvaluationBudget} first, so a hostile expression or
 * row fails with an {@link ExpressionBudgetException} instead of exhausting the worker.
 */
final class PythonValues {

  /** Longest {@code repr} of a value placed in an error message; longer ones are cut short. */
  static final int MAX_REPR_IN_MESSAGE = 200;

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

  /** Maps Java numeric types onto {@link Long} and {@link Double}; other values are unchanged. */
  static @Nullable Object normalize(@Nullable Object value) {
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
  static String typeName(@Nullable Object value) {
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
  static String repr(@Nullable Object value) {
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
  static boolean appendRepr(StringBuilder out, @Nullable Object value, long limit) {
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
  static boolean isTruthy(@Nullable Object value) {
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
}
