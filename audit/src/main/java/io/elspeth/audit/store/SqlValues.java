package io.elspeth.audit.store;

import io.elspeth.audit.schema.Dialect;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * How record values are bound and compared per dialect. Timestamps are UTC, microsecond
 * precision: text {@code yyyy-MM-dd HH:mm:ss.SSSSSS} on SQLite (as ELSPETH writes them),
 * {@code timestamptz} on PostgreSQL.
 */
final class SqlValues {
  private static final DateTimeFormatter SQLITE_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);

  private SqlValues() {}

  static void bind(PreparedStatement ps, int index, @Nullable Object value, Dialect dialect)
      throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.NULL);
    } else if (value instanceof Instant instant) {
      Instant micros = instant.truncatedTo(ChronoUnit.MICROS);
      if (dialect == Dialect.SQLITE) {
        ps.setString(index, SQLITE_TIME.format(micros));
      } else {
        ps.setObject(index, micros.atOffset(ZoneOffset.UTC));
      }
    } else {
      ps.setObject(index, value);
    }
  }

  /** A comparable text form of a value as bound, or as read back from either dialect. */
  static @Nullable String comparable(@Nullable Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof Instant instant) {
      return SQLITE_TIME.format(instant.truncatedTo(ChronoUnit.MICROS));
    }
    if (value instanceof OffsetDateTime odt) {
      return SQLITE_TIME.format(odt.toInstant());
    }
    if (value instanceof Timestamp ts) {
      return SQLITE_TIME.format(ts.toInstant());
    }
    if (value instanceof LocalDateTime ldt) {
      return SQLITE_TIME.format(ldt.toInstant(ZoneOffset.UTC));
    }
    if (value instanceof Number n) {
      return new BigDecimal(n.toString()).stripTrailingZeros().toPlainString();
    }
    return value.toString();
  }

  /** Parses a timestamp read back from either dialect. */
  static @Nullable Instant instant(@Nullable Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof OffsetDateTime odt) {
      return odt.toInstant();
    }
    if (value instanceof Timestamp ts) {
      return ts.toInstant();
    }
    return LocalDateTime.parse(value.toString().replace(' ', 'T')).toInstant(ZoneOffset.UTC);
  }
}
