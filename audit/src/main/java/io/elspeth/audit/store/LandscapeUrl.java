package io.elspeth.audit.store;

import io.elspeth.audit.jdbc.JdbcUrl;
import io.elspeth.audit.schema.Dialect;
import java.io.Serializable;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The Landscape's database: a {@link JdbcUrl} in the Landscape's role, so a signature that takes
 * one says it opens the audit database, not a user's. {@link #toString()} never shows the password.
 */
public record LandscapeUrl(JdbcUrl address) implements Serializable {

  /** Parses a URL; throws IllegalArgumentException with what was expected. */
  public static LandscapeUrl parse(String url) {
    return new LandscapeUrl(JdbcUrl.parse(url, "Landscape URL"));
  }

  /** Hides credentials in any text; see {@link JdbcUrl#redact(String)}. */
  public static String redact(String text) {
    return JdbcUrl.redact(text);
  }

  public String jdbcUrl() {
    return address.jdbcUrl();
  }

  public Dialect dialect() {
    return address.dialect();
  }

  public @Nullable String user() {
    return address.user();
  }

  public @Nullable String password() {
    return address.password();
  }

  public String redacted() {
    return address.redacted();
  }

  @Override
  public String toString() {
    return address.toString();
  }
}
