package io.elspeth.transforms;

import java.util.LinkedHashMap;
import java.util.Map;

/** Rows for tests, built in the field order given (Map.of has none). */
public final class Rows {
  private Rows() {}

  /** A row from alternating field names and values. */
  public static Map<String, Object> row(Object... namesAndValues) {
    if (namesAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("expected name/value pairs");
    }
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      row.put((String) namesAndValues[i], namesAndValues[i + 1]);
    }
    return row;
  }
}
