package io.elspeth.console;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/** Small JDBC helpers of the console's queries: a count, grouped counts, stored times. */
final class LandscapeReads {
  private LandscapeReads() {}

  static long count(Connection c, String sql, Object... params) throws SQLException {
    try (PreparedStatement ps = prepare(c, sql, params);
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  /** {@code SELECT key, COUNT(*) ... GROUP BY key} as a map in result order (null key: "-"). */
  static Map<String, Long> counts(Connection c, String sql, Object... params) throws SQLException {
    Map<String, Long> counts = new LinkedHashMap<>();
    try (PreparedStatement ps = prepare(c, sql, params);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        String key = rs.getString(1);
        counts.merge(key == null ? "-" : key, rs.getLong(2), Long::sum);
      }
    }
    return counts;
  }

  static PreparedStatement prepare(Connection c, String sql, Object... params) throws SQLException {
    PreparedStatement ps = c.prepareStatement(sql);
    for (int i = 0; i < params.length; i++) {
      ps.setObject(i + 1, params[i]);
    }
    return ps;
  }

  /** A stored time (TEXT on SQLite, timestamptz on PostgreSQL) as an instant, null if absent. */
  static @Nullable Instant instant(@Nullable Object stored) {
    if (stored == null) {
      return null;
    }
    if (stored instanceof Timestamp t) {
      return t.toInstant();
    }
    if (stored instanceof OffsetDateTime o) {
      return o.toInstant();
    }
    String s = stored.toString().trim().replace(' ', 'T');
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      try {
        return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
  }

  /** Stored time as ISO-8601 UTC to the second, or the stored text when it does not parse. */
  static @Nullable String display(@Nullable Object stored) {
    Instant i = instant(stored);
    if (i == null) {
      return stored == null ? null : stored.toString();
    }
    return i.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }

  /** {@code 1h 02m 03s}, {@code 4m 05s}, {@code 6.2s}. */
  static @Nullable String duration(@Nullable Instant start, @Nullable Instant end) {
    if (start == null || end == null) {
      return null;
    }
    Duration d = Duration.between(start, end);
    long s = d.getSeconds();
    if (s >= 3600) {
      return String.format(Locale.ROOT, "%dh %02dm %02ds", s / 3600, (s % 3600) / 60, s % 60);
    }
    if (s >= 60) {
      return String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
  }
}
