package io.elspeth.connectors.database;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.elspeth.audit.jdbc.JdbcUrl;
import io.elspeth.audit.schema.Dialect;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.SQLException;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The database sink's HikariCP pool: one per set-up writer, opened by the first {@link #setup()}
 * and closed by the last {@link #teardown()} (a writer shared by two DoFns in one JVM keeps one
 * pool). A writer used without {@code setup()} gets a pool for each call, closed with its {@link
 * Lease}.
 */
final class SinkConnectionPool implements Serializable {
  /** How long a write waits for a connection before it fails. */
  static final long CONNECTION_TIMEOUT_MS = 15_000;

  private final JdbcUrl url;
  private final String table;

  /** The pool of a set-up writer; null before {@link #setup()} and after {@link #teardown()}. */
  private transient @Nullable HikariDataSource pool;

  /** How many setups the pool serves. */
  private transient int setups;

  SinkConnectionPool(JdbcUrl url, String table) {
    this.url = url;
    this.table = table;
  }

  synchronized void setup() {
    if (setups++ == 0) {
      pool = open();
    }
  }

  synchronized void teardown() {
    if (setups == 0) {
      return;
    }
    if (--setups == 0 && pool != null) {
      pool.close();
      pool = null;
    }
  }

  /**
   * A pool of at most {@value DatabaseSinkWriter#POOL_SIZE} connections to the sink's database,
   * none made yet: a database that cannot be reached fails the statement that needs it, inside the
   * write, not the DoFn's setup. On SQLite each connection enforces foreign keys (SQLite's default
   * is to ignore them): a table that declares one means it.
   */
  private HikariDataSource open() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url.jdbcUrl());
    if (url.user() != null) {
      config.setUsername(url.user());
    }
    if (url.password() != null) {
      config.setPassword(url.password());
    }
    // The pool's name shows in HikariCP's log lines: the table, never the URL's credentials.
    config.setPoolName("elspeth-database-sink:" + table);
    config.setMaximumPoolSize(DatabaseSinkWriter.POOL_SIZE);
    config.setMinimumIdle(0);
    config.setInitializationFailTimeout(-1);
    config.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
    if (url.dialect() == Dialect.SQLITE) {
      config.setConnectionInitSql("PRAGMA foreign_keys = ON");
    } else {
      // A default only: the driver lets an ApplicationName in the URL win.
      config.addDataSourceProperty("ApplicationName", DatabaseSinkWriter.APPLICATION_NAME);
    }
    return new HikariDataSource(config);
  }

  /**
   * Connections for one call: from the pool of a set-up writer, else from a pool opened for the
   * call and closed with the lease.
   */
  Lease lease() {
    HikariDataSource p;
    synchronized (this) {
      p = pool;
    }
    return p != null ? new Lease(p, false) : new Lease(open(), true);
  }

  /** Connections borrowed for one call (see {@link #lease()}). */
  record Lease(HikariDataSource pool, boolean ownsPool) implements AutoCloseable {
    /** A connection of the pool; closing it gives it back, its transaction rolled back. */
    Connection connection() throws SQLException {
      return pool.getConnection();
    }

    @Override
    public void close() {
      if (ownsPool) {
        pool.close();
      }
    }
  }
}
