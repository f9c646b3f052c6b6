package io.elspeth.audit.lineage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Values read back from Landscape columns, made the same whichever dialect stored them: timestamps
 * as fixed-width ISO-8601 UTC text, JSON text as a tree, nullable numbers. A value that cannot be
 * what its column says throws {@link AuditIntegrityException} naming the table, the record and the
 * column.
 */
public final class StoredValues {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Fixed-width ISO-8601 UTC with microseconds, so that the text sorts in time order. */
  private static final DateTimeFormatter ISO_MICROS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private StoredValues() {}

  static @Nullable Long longOrNull(ResultSet rs, int col) throws SQLException {
    long v = rs.getLong(col);
    return rs.wasNull() ? null : v;
  }

  static @Nullable Double doubleOrNull(ResultSet rs, int col) throws SQLException {
    double v = rs.getDouble(col);
    return rs.wasNull() ? null : v;
  }

  static @Nullable JsonNode json(@Nullable String text, String table, String id, String column) {
    if (text == null) {
      return null;
    }
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new AuditIntegrityException(
          table
              + " "
              + id
              + ": column "
              + column
              + " does not hold valid JSON: "
              + e.getOriginalMessage(),
          e);
    }
  }

  static String requiredTime(@Nullable Object value, String table, String id, String column) {
    String t = time(value, table, id, column);
    if (t == null) {
      throw new AuditIntegrityException(table + " " + id + ": column " + column + " is NULL");
    }
    return t;
  }

  /**
   * A timestamp as read from either dialect, as fixed-width ISO-8601 UTC text with microseconds
   * ({@code 2026-01-31T12:00:00.123456Z}, which sorts in time order): SQLite text {@code yyyy-MM-dd
   * HH:mm:ss[.ffffff]} (UTC wall-clock) or ISO-8601 with an offset, PostgreSQL {@link Timestamp} or
   * {@link OffsetDateTime}.
   */
  public static @Nullable String time(
      @Nullable Object value, String table, String id, String column) {
    Instant instant = instant(value, table, id, column);
    return instant == null ? null : ISO_MICROS.format(instant);
  }

  private static @Nullable Instant instant(
      @Nullable Object value, String table, String id, String column) {
    if (value == null) {
      return null;
    }
    if (value instanceof Instant i) {
      return i;
    }
    if (value instanceof OffsetDateTime odt) {
      return odt.toInstant();
    }
    if (value instanceof ZonedDateTime zdt) {
      return zdt.toInstant();
    }
    if (value instanceof Timestamp ts) {
      return ts.toInstant();
    }
    if (value instanceof LocalDateTime ldt) {
      return ldt.toInstant(ZoneOffset.UTC);
    }
    String text = value.toString().trim().replace(' ', 'T');
    try {
      return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException naive) {
      try {
        return OffsetDateTime.parse(text).toInstant();
      } catch (DateTimeParseException offset) {
        throw new AuditIntegrityException(
            table
                + " "
                + id
                + ": column "
                + column
                + " holds '"
                + value
                + "', which is not a timestamp",
            offset);
      }
    }
  }
}
