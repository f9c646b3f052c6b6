package io.elspeth.audit.store;

import com.zaxxer.hikari.HikariConfig;
import io.elspeth.audit.schema.Dialect;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * How a Landscape URL becomes a connection pool: the driver URL, the driver's settings per dialect,
 * the silence timeout read from the URL, and the folder of a SQLite file.
 */
public final class LandscapeDriverSettings {
  /**
   * The Landscape URL's query parameter (PostgreSQL) naming how many seconds a server may stay
   * silent, neither answering a new connection nor closing its sockets, before the run stops
   * waiting for it (see {@link SilentServerGuard}); it is not passed to the driver.
   */
  public static final String SILENCE_TIMEOUT_PARAM = "serverSilenceTimeout";

  /** The default of {@link #SILENCE_TIMEOUT_PARAM}, in seconds. */
  public static final int DEFAULT_SILENCE_SECONDS = 60;

  /**
   * The PostgreSQL driver's settings a Landscape connection gets unless its URL sets them: TCP
   * keepalive (a peer host that is gone is noticed by the kernel), at most 10 s to open the TCP
   * connection and 30 s to log in, so that no new connection waits forever on a server that does
   * not answer. There is no socket timeout by default: a long query on a healthy server must not
   * fail; a silent server is caught by {@link SilentServerGuard} instead. Any of them, and the
   * driver's {@code socketTimeout}, can be set in the URL's query.
   */
  public static final Map<String, String> POSTGRES_DEFAULTS =
      orderedMap("tcpKeepAlive", "true", "connectTimeout", "10", "loginTimeout", "30");

  /**
   * The session settings of a SQLite Landscape connection (WAL, a property of the file, is set when
   * it is opened). {@code synchronous=NORMAL}: in WAL mode a commit survives a crash of the
   * process, and the WAL is synced at each checkpoint. A run's commits append to about twenty
   * B-trees (tables and their indexes): a 64 MiB page cache keeps their right edges and inner pages
   * in memory as the file grows past the default 2 MB cache (a 1M-row run's Landscape is about 4
   * GB). A checkpoint every 16,384 WAL pages (64 MiB) rather than 1,000: each checkpoint syncs the
   * WAL and the database file, and with the default a 200,000-row run checkpointed about 190 times,
   * whose syncs (which also wait for the payload files written meanwhile) took most of its commits'
   * time; a larger WAL also copies a page that many transactions rewrote (a B-tree's right edge) to
   * the database once per checkpoint instead of once per 4 MB.
   */
  public static final Map<String, String> SQLITE_PRAGMAS =
      orderedMap(
          "busy_timeout",
          "30000",
          "synchronous",
          "NORMAL",
          "cache_size",
          "-65536",
          "wal_autocheckpoint",
          "16384");

  /** The one of {@link #SQLITE_PRAGMAS} the driver takes no connection property for. */
  private static final String RUN_AT_CONNECT = "wal_autocheckpoint";

  private LandscapeDriverSettings() {}

  private static Map<String, String> orderedMap(String... keysAndValues) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return Collections.unmodifiableMap(m);
  }

  /** The URL the driver gets: the Landscape URL without {@link #SILENCE_TIMEOUT_PARAM}. */
  static String driverUrl(LandscapeUrl url) {
    return withoutQueryParam(url.jdbcUrl(), SILENCE_TIMEOUT_PARAM);
  }

  /** The value of {@code param} in the query of {@code jdbcUrl}, if it is there. */
  static @Nullable String queryParam(String jdbcUrl, String param) {
    int q = jdbcUrl.indexOf('?');
    if (q < 0) {
      return null;
    }
    for (String pair : jdbcUrl.substring(q + 1).split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(param)) {
        return pair.substring(eq + 1);
      }
    }
    return null;
  }

  /** {@code jdbcUrl} without {@code param} in its query. */
  static String withoutQueryParam(String jdbcUrl, String param) {
    int q = jdbcUrl.indexOf('?');
    if (q < 0) {
      return jdbcUrl;
    }
    List<String> kept = new ArrayList<>();
    for (String pair : jdbcUrl.substring(q + 1).split("&")) {
      if (!pair.isEmpty() && !pair.equals(param) && !pair.startsWith(param + "=")) {
        kept.add(pair);
      }
    }
    return jdbcUrl.substring(0, q) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
  }

  /** How long a PostgreSQL Landscape's server may stay silent; null for SQLite (a file). */
  static @Nullable Duration silenceTimeout(LandscapeUrl url) {
    if (url.dialect() == Dialect.SQLITE) {
      return null;
    }
    String value = queryParam(url.jdbcUrl(), SILENCE_TIMEOUT_PARAM);
    if (value == null) {
      return Duration.ofSeconds(DEFAULT_SILENCE_SECONDS);
    }
    try {
      int seconds = Integer.parseInt(value);
      if (seconds >= 1) {
        return Duration.ofSeconds(seconds);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new LandscapeWriteException(
        "the Landscape URL "
            + url
            + " sets "
            + SILENCE_TIMEOUT_PARAM
            + "="
            + value
            + ": expected a whole number of seconds, 1 or more",
        null);
  }

  /** The URL's user and password as driver properties (none when the URL has none). */
  static Properties credentials(LandscapeUrl url) {
    Properties props = new Properties();
    if (url.user() != null) {
      props.setProperty("user", url.user());
    }
    if (url.password() != null) {
      props.setProperty("password", url.password());
    }
    return props;
  }

  /**
   * The driver properties of a PostgreSQL connection: the credentials and {@link
   * #POSTGRES_DEFAULTS}.
   */
  static Properties postgresProperties(LandscapeUrl url) {
    Properties props = credentials(url);
    POSTGRES_DEFAULTS.forEach(props::setProperty);
    return props;
  }

  /** The pool's settings for {@code url}, whose driver URL is {@code driverUrl}. */
  static HikariConfig poolConfig(LandscapeUrl url, String driverUrl) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(driverUrl);
    config.setPoolName("landscape");
    config.setAutoCommit(true);
    if (url.user() != null) {
      config.setUsername(url.user());
    }
    if (url.password() != null) {
      config.setPassword(url.password());
    }
    if (url.dialect() == Dialect.SQLITE) {
      config.setMaximumPoolSize(1);
      config.addDataSourceProperty("journal_mode", "WAL");
      // The connection's session settings: driver properties, and one statement (the driver
      // runs only the first of several) for the pragma it has no property for.
      SQLITE_PRAGMAS.forEach(
          (pragma, value) -> {
            if (pragma.equals(RUN_AT_CONNECT)) {
              config.setConnectionInitSql("PRAGMA " + pragma + " = " + value);
            } else {
              config.addDataSourceProperty(pragma, value);
            }
          });
    } else {
      config.setMaximumPoolSize(4);
      // Defaults only: the driver lets the URL's own parameters win over these properties.
      POSTGRES_DEFAULTS.forEach(config::addDataSourceProperty);
    }
    config.setConnectionTimeout(30_000);
    return config;
  }

  /** Creates the folder of a SQLite Landscape file (nothing for PostgreSQL or in-memory). */
  static void createSqliteFolder(LandscapeUrl url) {
    String prefix = "jdbc:sqlite:";
    if (url.dialect() != Dialect.SQLITE || url.jdbcUrl().contains(":memory:")) {
      return;
    }
    Path parent = Path.of(url.jdbcUrl().substring(prefix.length())).toAbsolutePath().getParent();
    try {
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      throw new LandscapeWriteException(
          "cannot create the folder of the Landscape database " + url + ": " + e.getMessage(), e);
    }
  }
}
