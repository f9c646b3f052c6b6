package io.elspeth.audit.schema;

import java.util.Locale;
import java.util.Objects;

/**
 * The SQL dialects the Landscape schema exists for. Each has its own DDL script, because column
 * types differ: timestamps are {@code TIMESTAMP WITH TIME ZONE} on PostgreSQL and ISO-8601 UTC
 * {@code TEXT} on SQLite; floats are {@code DOUBLE PRECISION} and {@code REAL}.
 */
public enum Dialect {
  /** SQLite through org.xerial sqlite-jdbc; URLs start with {@code jdbc:sqlite:}. */
  SQLITE("jdbc:sqlite:", "sqlite"),
  /** PostgreSQL through the PostgreSQL JDBC driver; URLs start with {@code jdbc:postgresql:}. */
  POSTGRESQL("jdbc:postgresql:", "postgresql");

  private final String urlPrefix;
  private final String scriptPrefix;

  Dialect(String urlPrefix, String scriptPrefix) {
    this.urlPrefix = urlPrefix;
    this.scriptPrefix = scriptPrefix;
  }

  /**
   * The dialect of a JDBC URL, judged by its scheme ({@code jdbc:sqlite:...} or
   * {@code jdbc:postgresql:...}, case-insensitive).
   *
   * @throws IllegalArgumentException if the URL names another database; the message shows only
   *     the scheme, never the rest of the URL, which may hold a password
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

  /** Class-path resource (relative to this package) holding the DDL of one schema version. */
  String ddlResource(int version) {
    return scriptPrefix + "-v" + version + ".sql";
  }

  private static String schemeOf(String jdbcUrl) {
    String trimmed = jdbcUrl.trim();
    int first = trimmed.indexOf(':');
    int second = first < 0 ? -1 : trimmed.indexOf(':', first + 1);
    return second < 0 ? "(none)" : trimmed.substring(0, second + 1);
  }
}
