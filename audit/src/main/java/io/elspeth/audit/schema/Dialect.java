package io.elspeth.audit.schema;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The SQL dialects the Landscape schema exists for. The schema is written once (the Flyway
 * migrations under {@code io/elspeth/audit/schema/migration}); the only thing that differs is two
 * column types, which each dialect gives as {@link #placeholders() placeholder values}: timestamps
 * are {@code TIMESTAMP WITH TIME ZONE} on PostgreSQL and ISO-8601 UTC {@code TEXT} on SQLite;
 * floats are {@code DOUBLE PRECISION} and {@code REAL}.
 */
public enum Dialect {
  /** SQLite through org.xerial sqlite-jdbc; URLs start with {@code jdbc:sqlite:}. */
  SQLITE("jdbc:sqlite:", "TEXT", "REAL"),
  /** PostgreSQL through the PostgreSQL JDBC driver; URLs start with {@code jdbc:postgresql:}. */
  POSTGRESQL("jdbc:postgresql:", "TIMESTAMP WITH TIME ZONE", "DOUBLE PRECISION");

  private final String urlPrefix;
  private final String timestampType;
  private final String floatType;

  Dialect(String urlPrefix, String timestampType, String floatType) {
    this.urlPrefix = urlPrefix;
    this.timestampType = timestampType;
    this.floatType = floatType;
  }

  /**
   * The dialect of a JDBC URL, judged by its scheme ({@code jdbc:sqlite:...} or {@code
   * jdbc:postgresql:...}, case-insensitive).
   *
   * @throws IllegalArgumentException if the URL names another database; the message shows only the
   *     scheme, never the rest of the URL, which may hold a password
   */
  public static Dialect fromJdbcUrl(String jdbcUrl) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    String lower = jdbcUrl.trim().toLowerCase(Locale.ROOT);
    for (Dialect dialect : values()) {
      if (lower.startsWith(dialect.urlPrefix)) {
        return dialect;
      }
    }
    throw new IllegalArgumentException(
        "Unsupported Landscape JDBC URL scheme '"
            + schemeOf(jdbcUrl)
            + "': expected jdbc:sqlite:<file> or jdbc:postgresql://<host>/<database>");
  }

  /**
   * The values of the placeholders the migrations use for the column types that differ between
   * dialects: {@code ${timestamp_type}} and {@code ${float_type}}.
   */
  Map<String, String> placeholders() {
    return Map.of("timestamp_type", timestampType, "float_type", floatType);
  }

  private static String schemeOf(String jdbcUrl) {
    String trimmed = jdbcUrl.trim();
    int first = trimmed.indexOf(':');
    int second = first < 0 ? -1 : trimmed.indexOf(':', first + 1);
    return second < 0 ? "(none)" : trimmed.substring(0, second + 1);
  }
}
