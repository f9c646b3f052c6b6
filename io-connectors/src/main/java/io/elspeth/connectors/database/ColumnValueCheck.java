package io.elspeth.connectors.database;

import io.elspeth.audit.schema.Dialect;
import io.elspeth.connectors.schema.FieldType;
import io.elspeth.connectors.sink.Unwritable;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a row's values fit the columns the database sink writes them to, before any is written
 * (see {@link DatabaseSinkWriter#cannotWrite}).
 */
final class ColumnValueCheck {
  private ColumnValueCheck() {}

  /**
   * Why {@code row} cannot be written in {@code dialect} to columns of the {@code declared} types;
   * empty when it can.
   */
  static Optional<String> cannotWrite(
      Map<String, Object> row, Map<String, FieldType> declared, Dialect dialect) {
    for (Map.Entry<String, Object> e : row.entrySet()) {
      String field = Unwritable.field(e.getKey());
      if (e.getKey().isEmpty()) {
        return Optional.of("a field has an empty name, which cannot be a column");
      }
      if (e.getKey().indexOf('\0') >= 0) {
        return Optional.of(
            "field " + field + " has a NUL character in its name, which" + " cannot be a column");
      }
      Object v = e.getValue();
      if (v == null) {
        continue;
      }
      FieldType type = declared.get(e.getKey());
      String problem =
          type == null
              ? null
              : switch (type) {
                case INT ->
                    isWhole(v) ? null : "is not a whole number, which its INT column requires";
                case FLOAT ->
                    v instanceof Number
                        ? null
                        : "is not a number, which its FLOAT column" + " requires";
                case BOOL ->
                    v instanceof Boolean
                        ? null
                        : "is not a boolean, which its BOOLEAN column" + " requires";
                case STR, ANY -> null;
              };
      if (problem == null && v instanceof BigInteger b && b.bitLength() > 63) {
        problem = "is a whole number beyond 64 bits, which no column type holds exactly";
      }
      if (problem == null && dialect == Dialect.POSTGRESQL && textOf(v).indexOf('\0') >= 0) {
        problem = "holds a NUL character, which PostgreSQL text cannot store";
      }
      if (problem == null && dialect == Dialect.SQLITE && v instanceof Double d && d.isNaN()) {
        problem = "is NaN, which SQLite stores as NULL";
      }
      if (problem != null) {
        return Optional.of("the value of field " + field + " " + problem);
      }
    }
    return Optional.empty();
  }

  /** A whole number binding as a BIGINT exactly. */
  private static boolean isWhole(Object v) {
    if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return true;
    }
    if (v instanceof BigInteger b) {
      return b.bitLength() <= 63;
    }
    // 3.0 binds as 3 without loss; 3.5 would be truncated.
    return v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9.2e18;
  }

  /** The text a value binds as (TEXT columns; nested values as canonical JSON). */
  private static String textOf(Object v) {
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof Map<?, ?> || v instanceof List<?>) {
      return String.valueOf(v);
    }
    return "";
  }
}
