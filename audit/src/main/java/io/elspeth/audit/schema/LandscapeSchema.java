package io.elspeth.audit.schema;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The Landscape schema: the 20 tables of ELSPETH's audit database at HEAD (spec/landscape.md
 * section 2) for SQLite and PostgreSQL, plus our {@value #VERSION_TABLE} table that records which
 * schema version a database holds.
 *
 * <p>{@link #ensure} is the only writer. It creates the schema in an empty database and otherwise
 * only checks: a database that holds anything but a complete schema of {@link #CURRENT_VERSION}
 * is refused with a {@link SchemaVersionException} and left exactly as it was. There are no
 * migrations yet; version 1 is the first.
 *
 * <p>On PostgreSQL everything happens in the connection's current schema ({@code current_schema()},
 * set with the {@code currentSchema} JDBC parameter or {@code search_path}); tables of other
 * schemas are neither seen nor touched.
 */
public final class LandscapeSchema {
  /** The schema version this code creates and works with. */
  public static final int CURRENT_VERSION = 1;

  /** Name of the table recording the schema version; it is ours, not one of ELSPETH's. */
  public static final String VERSION_TABLE = "landscape_schema_version";

  private static final List<String> TABLE_NAMES =
      List.of(
          "runs",
          "nodes",
          "edges",
          "rows",
          "tokens",
          "token_parents",
          "token_outcomes",
          "node_states",
          "operations",
          "calls",
          "artifacts",
          "routing_events",
          "batches",
          "batch_members",
          "batch_outputs",
          "validation_errors",
          "transform_errors",
          "checkpoints",
          "secret_resolutions",
          "preflight_results");

  private static final String VERSION_DESCRIPTION =
      "Landscape schema v1: the 20 tables of ELSPETH HEAD de732358";

  private LandscapeSchema() {}

  /**
   * Makes sure the database holds the Landscape schema of {@link #CURRENT_VERSION}.
   *
   * <ul>
   *   <li>Empty of Landscape tables and of {@value #VERSION_TABLE}: creates all tables and indexes
   *       and records {@link #CURRENT_VERSION}.
   *   <li>{@value #VERSION_TABLE} records {@link #CURRENT_VERSION} and all 20 tables exist: does
   *       nothing.
   *   <li>Anything else (another version, no recorded version, Landscape tables without
   *       {@value #VERSION_TABLE}, tables missing): throws {@link SchemaVersionException} saying what
   *       was found, what was expected and what to do. Nothing is changed.
   * </ul>
   *
   * <p>The work is one transaction on both dialects, so a failure leaves no partial schema. If the
   * connection is in auto-commit mode, this method commits (or rolls back) that transaction itself
   * and restores auto-commit. If auto-commit is off, it joins the caller's transaction and leaves
   * commit or rollback to the caller. On PostgreSQL, concurrent calls for the same schema are
   * serialised with a transaction-scoped advisory lock; on SQLite, the loser of a concurrent
   * first-time creation fails with an {@link SQLException} and a retry finds the complete schema.
   *
   * <p>SQLite enforces the declared foreign keys only on connections opened with {@code PRAGMA
   * foreign_keys=ON}; that is a property of the connection, which this method does not change.
   *
   * @param connection an open connection; on PostgreSQL its current schema receives the tables
   * @param dialect the connection's dialect; must match the database behind the connection
   * @throws SchemaVersionException if the database holds something other than nothing or the
   *     current schema
   * @throws IllegalArgumentException if {@code dialect} is not the connection's database
   * @throws SQLException if the database fails, including when PostgreSQL has no current schema
   */
  public static void ensure(Connection connection, Dialect dialect) throws SQLException {
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(dialect, "dialect");
    Dialect actual = dialectOf(connection);
    if (actual != dialect) {
      throw new IllegalArgumentException(
          "LandscapeSchema.ensure was given dialect " + dialect + " for a " + actual + " connection");
    }
    boolean ownTransaction = connection.getAutoCommit();
    if (ownTransaction) {
      connection.setAutoCommit(false);
    }
    Throwable failure = null;
    try {
      ensureInTransaction(connection, dialect);
      if (ownTransaction) {
        connection.commit();
      }
    } catch (Throwable t) {
      failure = t;
      if (ownTransaction) {
        rollback(connection, t);
      }
      throw t;
    } finally {
      if (ownTransaction) {
        restoreAutoCommit(connection, failure);
      }
    }
  }

  /**
   * The highest schema version recorded in {@value #VERSION_TABLE}, or {@code -1} when that table
   * does not exist (or, on PostgreSQL, does not exist in the connection's current schema) or holds
   * no row. Reads only.
   */
  public static int readVersion(Connection c) throws SQLException {
    Objects.requireNonNull(c, "c");
    Location location = Location.of(c, dialectOf(c));
    if (location == null || !existingTables(c, location).contains(VERSION_TABLE)) {
      return SchemaVersionException.NO_VERSION;
    }
    return readRecordedVersion(c, location);
  }

  /** The names of the 20 Landscape tables, in the order of spec/landscape.md section 2. */
  public static List<String> tableNames() {
    return TABLE_NAMES;
  }

  private static void ensureInTransaction(Connection connection, Dialect dialect)
      throws SQLException {
    Location location = Location.of(connection, dialect);
    if (location == null) {
      throw new SQLException(
          "The PostgreSQL connection has no current schema: none of the schemas on its search_path"
              + " exists. Create the schema, or fix the currentSchema JDBC parameter.");
    }
    if (dialect == Dialect.POSTGRESQL) {
      try (PreparedStatement lock =
          connection.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
        lock.setString(1, "io.elspeth.audit.schema:" + location.schema);
        lock.execute();
      }
    }

    Set<String> existing = existingTables(connection, location);
    List<String> present = TABLE_NAMES.stream().filter(existing::contains).toList();

    if (existing.contains(VERSION_TABLE)) {
      int found = readRecordedVersion(connection, location);
      if (found == SchemaVersionException.NO_VERSION) {
        throw new SchemaVersionException(
            location.description
                + ": the table "
                + VERSION_TABLE
                + " exists but records no version (found none, expected version "
                + CURRENT_VERSION
                + "). The state of this schema is unknown, so nothing was changed. Point the"
                + " Landscape at a new, empty database (or PostgreSQL schema), or restore this one"
                + " from a backup.",
            found,
            CURRENT_VERSION);
      }
      if (found != CURRENT_VERSION) {
        throw new SchemaVersionException(
            location.description
                + ": Landscape schema version mismatch: found version "
                + found
                + ", expected version "
                + CURRENT_VERSION
                + ". "
                + (found > CURRENT_VERSION
                    ? "The database was written by a newer release of this software; run that"
                        + " release against it, or point this one at a new, empty database."
                    : "No migration from version "
                        + found
                        + " exists; keep the old database for its audit record and point the"
                        + " Landscape at a new, empty database.")
                + " Nothing was changed.",
            found,
            CURRENT_VERSION);
      }
      List<String> missing = TABLE_NAMES.stream().filter(t -> !existing.contains(t)).toList();
      if (!missing.isEmpty()) {
        throw new SchemaVersionException(
            location.description
                + ": found version "
                + found
                + " recorded (expected version "
                + CURRENT_VERSION
                + ") but Landscape tables are missing: "
                + String.join(", ", missing)
                + ". The schema was damaged after it was created; nothing was changed. Restore the"
                + " database from a backup, or point the Landscape at a new, empty database.",
            found,
            CURRENT_VERSION);
      }
      ExtensionTables.ensure(connection);
      return;
    }

    if (!present.isEmpty()) {
      throw new SchemaVersionException(
          location.description
              + ": Landscape tables exist ("
              + String.join(", ", present)
              + ") but no "
              + VERSION_TABLE
              + " table records their version (found no version, expected version "
              + CURRENT_VERSION
              + "). The database was not created by this software (for example by ELSPETH"
              + " itself), or it was damaged; it is refused rather than modified, and nothing was"
              + " changed. Point the Landscape at a new, empty database (or PostgreSQL schema).",
          SchemaVersionException.NO_VERSION,
          CURRENT_VERSION);
    }

    create(connection, dialect, location);
    ExtensionTables.ensure(connection);
  }

  private static void create(Connection connection, Dialect dialect, Location location)
      throws SQLException {
    try (Statement statement = connection.createStatement()) {
      for (String ddl : DdlScript.load(dialect.ddlResource(CURRENT_VERSION))) {
        statement.execute(ddl);
      }
    }
    Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO "
                + location.versionTable
                + " (version, applied_at, description) VALUES (?, ?, ?)")) {
      insert.setInt(1, CURRENT_VERSION);
      if (dialect == Dialect.POSTGRESQL) {
        insert.setObject(2, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
      } else {
        insert.setString(2, DateTimeFormatter.ISO_INSTANT.format(now));
      }
      insert.setString(3, VERSION_DESCRIPTION);
      insert.executeUpdate();
    }
  }

  private static int readRecordedVersion(Connection c, Location location) throws SQLException {
    try (Statement statement = c.createStatement();
        ResultSet rs =
            statement.executeQuery("SELECT MAX(version) FROM " + location.versionTable)) {
      if (!rs.next()) {
        return SchemaVersionException.NO_VERSION;
      }
      int version = rs.getInt(1);
      return rs.wasNull() ? SchemaVersionException.NO_VERSION : version;
    }
  }

  /**
   * Names of the tables and views of the place the schema lives in. On SQLite that is the main
   * database, whose names are case-insensitive, so they are lower-cased; on PostgreSQL it is the
   * current schema only, read from the catalog so that tables the user may not read still count.
   */
  private static Set<String> existingTables(Connection c, Location location) throws SQLException {
    Set<String> names = new HashSet<>();
    if (location.dialect == Dialect.SQLITE) {
      try (Statement statement = c.createStatement();
          ResultSet rs =
              statement.executeQuery(
                  "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")) {
        while (rs.next()) {
          names.add(rs.getString(1).toLowerCase(Locale.ROOT));
        }
      }
    } else {
      try (PreparedStatement statement =
          c.prepareStatement(
              "SELECT c.relname FROM pg_catalog.pg_class c"
                  + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                  + " WHERE n.nspname = ? AND c.relkind IN ('r', 'p', 'v', 'm', 'f')")) {
        statement.setString(1, location.schema);
        try (ResultSet rs = statement.executeQuery()) {
          while (rs.next()) {
            names.add(rs.getString(1));
          }
        }
      }
    }
    return names;
  }

  /** The dialect of the database behind a connection, judged by the driver's product name. */
  private static Dialect dialectOf(Connection c) throws SQLException {
    DatabaseMetaData metaData = c.getMetaData();
    String product = metaData.getDatabaseProductName();
    if ("SQLite".equalsIgnoreCase(product)) {
      return Dialect.SQLITE;
    }
    if ("PostgreSQL".equalsIgnoreCase(product)) {
      return Dialect.POSTGRESQL;
    }
    return Dialect.fromJdbcUrl(metaData.getURL());
  }

  private static void rollback(Connection connection, Throwable cause) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  private static void restoreAutoCommit(Connection connection, Throwable failure)
      throws SQLException {
    try {
      connection.setAutoCommit(true);
    } catch (SQLException e) {
      if (failure == null) {
        throw e;
      }
      failure.addSuppressed(e);
    }
  }

  /** Where the schema lives: the dialect, the PostgreSQL schema, and words for messages. */
  private static final class Location {
    final Dialect dialect;
    /** The PostgreSQL current schema; {@code main} on SQLite. */
    final String schema;
    /** The version table's name as it must appear in SQL. */
    final String versionTable;
    /** Names the database for messages; never includes credentials. */
    final String description;

    private Location(Dialect dialect, String schema, String versionTable, String description) {
      this.dialect = dialect;
      this.schema = schema;
      this.versionTable = versionTable;
      this.description = description;
    }

    /** The location of a connection, or null on PostgreSQL when it has no current schema. */
    static Location of(Connection c, Dialect dialect) throws SQLException {
      if (dialect == Dialect.SQLITE) {
        return new Location(
            dialect, "main", VERSION_TABLE, "SQLite database " + c.getMetaData().getURL());
      }
      try (Statement statement = c.createStatement();
          ResultSet rs = statement.executeQuery("SELECT current_schema(), current_database()")) {
        rs.next();
        String schema = rs.getString(1);
        if (schema == null) {
          return null;
        }
        // Qualified, so that a temporary table of the same name can never shadow ours.
        return new Location(
            dialect,
            schema,
            quoteIdentifier(schema) + "." + VERSION_TABLE,
            "PostgreSQL schema \"" + schema + "\" of database \"" + rs.getString(2) + "\"");
      }
    }

    private static String quoteIdentifier(String identifier) {
      return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
  }
}
