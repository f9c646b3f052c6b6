package io.elspeth.connectors.database;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.schema.Dialect;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/** An INSERT of rows with these fields, as columns of these SQL types. */
record RowInsert(List<String> fields, Map<String, String> types, String sql, Dialect dialect) {
  /** Binds the values of {@code row} to {@code ps}, a statement of {@link #sql()}. */
  void bind(PreparedStatement ps, Map<String, Object> row) throws SQLException {
    for (int i = 0; i < fields.size(); i++) {
      String field = fields.get(i);
      bind(
          ps,
          i + 1,
          Objects.requireNonNull(types.get(field), () -> "no SQL type for field '" + field + "'"),
          row.get(field),
          dialect);
    }
  }

  /**
   * Binds one value. On PostgreSQL text goes untyped, as a literal would: the column of an existing
   * table decides its type (a date, a number, jsonb), and a text it cannot take is a refusal of
   * that row (invalid input syntax), not of every row of the batch for a mismatched parameter type.
   */
  private static void bind(
      PreparedStatement ps, int index, String sqlType, @Nullable Object value, Dialect dialect)
      throws SQLException {
    boolean untypedText = dialect == Dialect.POSTGRESQL && "TEXT".equals(sqlType);
    if (value == null) {
      ps.setNull(
          index,
          untypedText
              ? Types.OTHER
              : switch (sqlType) {
                case "BIGINT" -> Types.BIGINT;
                case "BOOLEAN" -> Types.BOOLEAN;
                case "TEXT" -> Types.VARCHAR;
                default -> Types.DOUBLE;
              });
      return;
    }
    switch (sqlType) {
      case "BIGINT" -> ps.setLong(index, ((Number) value).longValue());
      case "BOOLEAN" -> ps.setBoolean(index, (Boolean) value);
      case "TEXT" -> {
        String text =
            value instanceof String s
                ? s
                : value instanceof Map<?, ?> || value instanceof List<?>
                    ? CanonicalJson.canonicalize(value)
                    : String.valueOf(value);
        if (untypedText) {
          ps.setObject(index, text, Types.OTHER);
        } else {
          ps.setString(index, text);
        }
      }
      default -> ps.setDouble(index, ((Number) value).doubleValue());
    }
  }
}
