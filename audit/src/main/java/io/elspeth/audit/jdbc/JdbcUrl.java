package io.elspeth.audit.jdbc;

import io.elspeth.audit.schema.Dialect;
import io.elspeth.audit.secrets.UrlRedactor;
import java.io.Serializable;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The address of a SQLite or PostgreSQL database in ELSPETH's SQLAlchemy style: {@code
 * sqlite:///relative.db}, {@code sqlite:////absolute.db}, or {@code
 * postgresql://user[:password]@host[:port]/db}; plain JDBC URLs are accepted too. Used for every
 * database elspeth opens: the Landscape (through {@code LandscapeUrl}) and user databases (the
 * database sink). {@link #toString()} never shows the password.
 */
public record JdbcUrl(
    String jdbcUrl,
    Dialect dialect,
    @Nullable String user,
    @Nullable String password,
    String redacted)
    implements Serializable {

  private static final Pattern POSTGRES =
      Pattern.compile(
          "postgres(?:ql)?(?:\\+\\w+)?://(?:([^:@/]*)(?::([^@/]*))?@)?([^/:?]+)(?::(\\d+))?/([^?]+)(\\?.*)?");

  /** Parses a user database's URL; see {@link #parse(String, String)}. */
  public static JdbcUrl parse(String url) {
    return parse(url, "database URL");
  }

  /**
   * Parses a URL; throws IllegalArgumentException saying what was expected, naming the URL by
   * {@code role} (e.g. "Landscape URL") and never showing its password.
   */
  public static JdbcUrl parse(String url, String role) {
    String u = url.trim();
    if (u.startsWith("sqlite:///")) {
      String path = u.substring("sqlite:///".length());
      if (path.isEmpty()) {
        throw new IllegalArgumentException(
            "sqlite "
                + role
                + " has no path: expected sqlite:///relative/path.db or sqlite:////abs/path.db");
      }
      String file = path.equals(":memory:") ? path : Path.of(path).toAbsolutePath().toString();
      return new JdbcUrl("jdbc:sqlite:" + file, Dialect.SQLITE, null, null, u);
    }
    if (u.startsWith("jdbc:sqlite:")) {
      return new JdbcUrl(u, Dialect.SQLITE, null, null, u);
    }
    Matcher m = POSTGRES.matcher(u);
    if (m.matches()) {
      String user = m.group(1) == null ? null : decode(m.group(1));
      String password = m.group(2) == null ? null : decode(m.group(2));
      String port = m.group(4) == null ? "5432" : m.group(4);
      String query = m.group(6) == null ? "" : m.group(6);
      String jdbc = "jdbc:postgresql://" + m.group(3) + ":" + port + "/" + m.group(5) + query;
      String shown =
          "postgresql://"
              + (user == null ? "" : user + (password == null ? "" : ":***") + "@")
              + m.group(3)
              + ":"
              + port
              + "/"
              + m.group(5)
              + query;
      return new JdbcUrl(jdbc, Dialect.POSTGRESQL, user, password, redact(shown));
    }
    if (u.startsWith("jdbc:postgresql:")) {
      return new JdbcUrl(
          u, Dialect.POSTGRESQL, null, null, u.replaceAll("password=[^&]*", "password=***"));
    }
    throw new IllegalArgumentException(
        "unsupported "
            + role
            + " '"
            + redact(u)
            + "': expected sqlite:///path.db or postgresql://user:password@host:port/database");
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  /**
   * Hides credentials in any text: the URLs in it as {@link UrlRedactor#masking()} does (user-info
   * passwords, credential query parameters), and a {@code password=} outside a URL (a JDBC driver's
   * message).
   */
  public static String redact(String text) {
    return Objects.requireNonNull(UrlRedactor.masking().text(text))
        .replaceAll("password=[^&\\s]*", "password=***");
  }

  @Override
  public String toString() {
    return redacted;
  }
}
