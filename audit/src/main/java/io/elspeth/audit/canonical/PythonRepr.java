package io.elspeth.audit.canonical;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Values as Python writes them, for outputs that must match ELSPETH's byte for byte: floats in
 * {@code repr} form and JSON in {@code json.dumps}'s default form. (Canonical JSON, for hashes, is
 * {@link CanonicalJson}.)
 */
public final class PythonRepr {
  private PythonRepr() {}

  /** JSON text as Python's {@code json.dumps} writes it by default: ", " and ": ", ASCII only. */
  public static String json(@Nullable Object value) {
    StringBuilder sb = new StringBuilder();
    appendPython(sb, value);
    return sb.toString();
  }

  /**
   * JSON text as Python's {@code json.dumps(value, indent=indent)} writes it: each item of a list
   * or object on its own line, indented by {@code indent} spaces per level, items separated by ","
   * and keys by ": ", ASCII only; empty lists and objects stay {@code []} and {@code {}}. A
   * negative {@code indent} is Python's {@code indent=None}: {@link #json(Object)}.
   */
  public static String json(@Nullable Object value, int indent) {
    StringBuilder sb = new StringBuilder();
    if (indent < 0) {
      appendPython(sb, value);
    } else {
      appendIndented(sb, value, indent, 0);
    }
    return sb.toString();
  }

  private static void appendIndented(
      StringBuilder sb, @Nullable Object value, int indent, int level) {
    if (value instanceof List<?> list && !list.isEmpty()) {
      String inner = "\n" + " ".repeat(indent * (level + 1));
      sb.append('[');
      for (int i = 0; i < list.size(); i++) {
        sb.append(i > 0 ? "," + inner : inner);
        appendIndented(sb, list.get(i), indent, level + 1);
      }
      sb.append('\n').append(" ".repeat(indent * level)).append(']');
    } else if (value instanceof Map<?, ?> map && !map.isEmpty()) {
      String inner = "\n" + " ".repeat(indent * (level + 1));
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        sb.append(first ? inner : "," + inner);
        first = false;
        appendString(sb, String.valueOf(e.getKey()));
        sb.append(": ");
        appendIndented(sb, e.getValue(), indent, level + 1);
      }
      sb.append('\n').append(" ".repeat(indent * level)).append('}');
    } else {
      appendPython(sb, value);
    }
  }

  private static void appendPython(StringBuilder sb, @Nullable Object value) {
    if (value == null) {
      sb.append("null");
    } else if (value instanceof Boolean b) {
      sb.append(b ? "true" : "false");
    } else if (value instanceof String s) {
      appendString(sb, s);
    } else if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      sb.append(floatRepr(d));
    } else if (value instanceof BigDecimal b) {
      sb.append(b.toPlainString());
    } else if (value instanceof Number n) {
      sb.append(n.toString());
    } else if (value instanceof List<?> list) {
      sb.append('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          sb.append(", ");
        }
        appendPython(sb, list.get(i));
      }
      sb.append(']');
    } else if (value instanceof Map<?, ?> map) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!first) {
          sb.append(", ");
        }
        first = false;
        appendString(sb, String.valueOf(e.getKey()));
        sb.append(": ");
        appendPython(sb, e.getValue());
      }
      sb.append('}');
    } else {
      appendString(sb, value.toString());
    }
  }

  private static void appendString(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20 || c > 0x7e) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  /** A double as Python's repr writes it (1.0, 0.5, 1e-05, 1e+16, nan, inf). */
  public static String floatRepr(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    double abs = Math.abs(d);
    if (abs == 0.0) {
      return 1 / d < 0 ? "-0.0" : "0.0"; // BigDecimal has no negative zero; Python keeps it
    }
    if (abs >= 1e-4 && abs < 1e16) {
      String plain = new BigDecimal(Double.toString(d)).toPlainString();
      return plain.contains(".") ? plain : plain + ".0";
    }
    String s = Double.toString(d);
    int e = s.indexOf('E');
    String mantissa = s.substring(0, e);
    if (mantissa.endsWith(".0")) {
      mantissa = mantissa.substring(0, mantissa.length() - 2);
    }
    int exponent = Integer.parseInt(s.substring(e + 1));
    return mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
  }
}
