package io.elspeth.audit.store;

import com.zaxxer.hikari.HikariDataSource;
import io.elspeth.audit.schema.Dialect;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Properties;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Where a {@link LandscapeStore}'s connections come from: its pool, connections of their own
 * outside it, and what it knows about whether the server still answers.
 */
final class LandscapeConnections implements AutoCloseable {
  /** How long {@link #reachable} waits for the server. */
  private static final int PROBE_SECONDS = 5;

  private final LandscapeUrl url;

  /** The URL the driver gets ({@link LandscapeDriverSettings#driverUrl}). */
  private final String driverUrl;

  private final HikariDataSource dataSource;
  private final @Nullable SilentServerGuard guard;

  /**
   * Set when the server stopped answering; then each request for a connection first tries a fresh
   * one outside the pool with a short timeout, instead of waiting the pool's 30 s for a connection
   * the dead server cannot give (three such waits made a failed run take minutes).
   */
  private volatile boolean lost;

  LandscapeConnections(
      LandscapeUrl url, String driverUrl, HikariDataSource dataSource, @Nullable Duration silence) {
    this.url = url;
    this.driverUrl = driverUrl;
    this.dataSource = dataSource;
    this.guard =
        silence == null
            ? null
            : new SilentServerGuard(
                url.toString(), silence, () -> answers(silence), () -> lost = true);
  }

  HikariDataSource dataSource() {
    return dataSource;
  }

  private Dialect dialect() {
    return url.dialect();
  }

  /** A connection of the pool; fails at once while the server is known not to answer. */
  Connection pooled() throws SQLException {
    if (lost) {
      if (!reachable()) {
        throw new SQLNonTransientConnectionException(
            "the Landscape database " + url + " does not answer", "08001");
      }
      lost = false;
    }
    try {
      Connection c = dataSource.getConnection();
      return guard == null ? c : guard.watch(c);
    } catch (SQLException e) {
      noteFailure(e);
      throw e;
    }
  }

  /** See {@link LandscapeStore#separateConnection}. */
  Connection separate() throws SQLException {
    if (dialect() == Dialect.SQLITE) {
      return DriverManager.getConnection(driverUrl);
    }
    if (lost && !reachable()) {
      throw new SQLNonTransientConnectionException(
          "the Landscape database " + url + " does not answer", "08001");
    }
    Connection c =
        DriverManager.getConnection(driverUrl, LandscapeDriverSettings.postgresProperties(url));
    return guard == null ? c : guard.watch(c);
  }

  /** Remembers a failure that says the server is gone (SQL state class 08, or an I/O error). */
  void noteFailure(SQLException e) {
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof IOException
          || t instanceof SQLTransientConnectionException
          || t instanceof SQLNonTransientConnectionException
          || (t instanceof SQLException q
              && q.getSQLState() != null
              && q.getSQLState().startsWith("08"))) {
        lost = dialect() != Dialect.SQLITE;
        return;
      }
    }
  }

  /** See {@link LandscapeStore#reachable}: tried within about {@value #PROBE_SECONDS} s. */
  boolean reachable() {
    if (dialect() == Dialect.SQLITE) {
      return true;
    }
    Properties props = withTimeouts(PROBE_SECONDS);
    try (Connection c = DriverManager.getConnection(driverUrl, props)) {
      return c.isValid(PROBE_SECONDS);
    } catch (SQLException e) {
      return false;
    }
  }

  /**
   * Whether the server answers a new connection within {@code silence}: it lets one in, or it
   * refuses it with an error of its own (too many clients, starting up), which a silent server
   * cannot send. A refused TCP connection or a timeout is no answer.
   */
  private boolean answers(Duration silence) {
    Properties props = withTimeouts(silence.toSeconds());
    try (Connection c = DriverManager.getConnection(driverUrl, props)) {
      return c.isValid((int) silence.toSeconds());
    } catch (SQLException e) {
      return e.getSQLState() != null && !e.getSQLState().startsWith("08");
    }
  }

  /** The credentials, and {@code seconds} to connect, log in and wait on the socket. */
  private Properties withTimeouts(long seconds) {
    Properties props = LandscapeDriverSettings.credentials(url);
    String timeout = Long.toString(seconds);
    props.setProperty("connectTimeout", timeout);
    props.setProperty("loginTimeout", timeout);
    props.setProperty("socketTimeout", timeout);
    return props;
  }

  @Override
  public void close() {
    if (guard != null) {
      guard.close();
    }
    dataSource.close();
  }
}
