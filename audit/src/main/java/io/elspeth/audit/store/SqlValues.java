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
 * How record values are bound and compared per dialect. Timestamps are UTC, microsecond precision:
 * text {@code yyyy-MM-dd HH:mm:ss.SSSSSS} on SQLite (as ELSPETH writes them), {@code timestamptz}
 * on PostgreSQL.
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
      if (dialect == Dialect.SQLITE) {
        ps.setString(index, sqliteText(instant));
      } else {
        ps.setObject(index, instant.truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC));
      }
    } else {
      ps.setObject(index, value);
    }
  }

  /**
   * {@code yyyy-MM-dd HH:mm:ss.SSSSSS} (UTC, truncated to microseconds), as {@link #SQLITE_TIME}
   * formats it, written directly: every record carries timestamps, and the formatter's general
   * machinery was a tenth of the commit's own CPU. Years outside 1..9999 (yyyy is the year of era)
   * take the formatter.
   */
  static String sqliteText(Instant instant) {
    long seconds = instant.getEpochSecond();
    long days = Math.floorDiv(seconds, 86_400L);
    int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
    java.time.LocalDate date = java.time.LocalDate.ofEpochDay(days);
    int year = date.getYear();
    if (year < 1 || year > 9999) {
      return SQLITE_TIME.format(instant.truncatedTo(ChronoUnit.MICROS));
    }
    char[] c = new char[26];
    digits(c, 0, year, 4);
    c[4] = '-';
    digits(c, 5, date.getMonthValue(), 2);
    c[7] = '-';
    digits(c, 8, date.getDayOfMonth(), 2);
    c[10] = ' ';
    digits(c, 11, secondOfDay / 3600, 2);
    c[13] = ':';
    digits(c, 14, secondOfDay / 60 % 60, 2);
    c[16] = ':';
    digits(c, 17, secondOfDay % 60, 2);
    c[19] = '.';
    digits(c, 20, instant.getNano() / 1000, 6);
    return new String(c);
  }

  private static void digits(char[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }

  /** A comparable text form of a value as bound, or as read back from either dialect. */
  static @Nullable String comparable(@Nullable Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof Instant instant) {
      return sqliteText(instant);
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
