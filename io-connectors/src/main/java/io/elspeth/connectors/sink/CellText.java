package io.elspeth.connectors.sink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The text of a value in a CSV cell, as ELSPETH (Python's csv module) writes it: None is empty,
 * booleans are True/False, floats in Python's repr form (3.0, 1e-05), nested values as JSON.
 */
final class CellText {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private CellText() {}

  static String of(@Nullable Object value) {
    if (value == null) {
      return "";
    }
    if (value instanceof Boolean b) {
      return b ? "True" : "False";
    }
    if (value instanceof Double || value instanceof Float) {
      return pythonFloat(((Number) value).doubleValue());
    }
    if (value instanceof Map<?, ?> || value instanceof List<?>) {
      try {
        return MAPPER.writeValueAsString(value);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("row value is not JSON-serialisable: " + e.getMessage(), e);
      }
    }
    return value.toString();
  }

  static String pythonFloat(double d) {
    return io.elspeth.audit.canonical.PythonRepr.floatRepr(d);
  }
}
