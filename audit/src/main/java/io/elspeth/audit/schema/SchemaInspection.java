package io.elspeth.audit.schema;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What a database holds, read without changing anything: which tables exist where the Landscape
 * lives, the version recorded by Flyway's history table, and the version recorded by the first
 * release's {@value #LEGACY_VERSION_TABLE} table.
 *
 * @param location where the schema lives
 * @param tables the names of the tables and views there
 * @param managedVersion the highest version Flyway's history records as applied, or {@link
 *     SchemaVersionException#NO_VERSION}; meaningful only when the history table exists
 * @param legacyVersion the highest version the first release's table records, or {@link
 *     SchemaVersionException#NO_VERSION}
 * @param legacyAppliedAt when the first release created the schema, as it recorded it
 */
record SchemaInspection(
    Location location,
    Set<String> tables,
    int managedVersion,
    int legacyVersion,
    @Nullable String legacyAppliedAt) {

  /** The first release's version table; migration 2 drops it (Flyway's history replaces it). */
  static final String LEGACY_VERSION_TABLE = "landscape_schema_version";

  boolean managed() {
    return tables.contains(LandscapeSchema.VERSION_TABLE);
  }

  boolean legacy() {
    return tables.contains(LEGACY_VERSION_TABLE);
  }

  /** The Landscape tables (ELSPETH's 20) that exist, in the order of the spec. */
  List<String> landscapeTablesPresent() {
    return LandscapeSchema.tableNames().stream().filter(tables::contains).toList();
  }

  List<String> landscapeTablesMissing() {
    return LandscapeSchema.tableNames().stream().filter(t -> !tables.contains(t)).toList();
  }

  /**
   * Reads what the database behind {@code c} holds.
   *
   * @throws SQLException if the database fails, or PostgreSQL has no current schema
   */
  static SchemaInspection of(Connection c) throws SQLException {
    Location location = Location.of(c, dialectOf(c));
    Set<String> tables = existingTables(c, location);
    int managed = SchemaVersionException.NO_VERSION;
    if (tables.contains(LandscapeSchema.VERSION_TABLE)) {
      managed = managedVersion(c, location);
    }
    int legacy = SchemaVersionException.NO_VERSION;
    String appliedAt = null;
    if (tables.contains(LEGACY_VERSION_TABLE)) {
      try (Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT version, applied_at FROM "
                      + location.qualified(LEGACY_VERSION_TABLE)
                      + " ORDER BY version DESC")) {
        if (rs.next()) {
          legacy = rs.getInt(1);
          appliedAt = rs.getString(2);
        }
      }
    }
    return new SchemaInspection(location, tables, managed, legacy, appliedAt);
  }

  /** The highest applied version in Flyway's history; versions are whole numbers here. */
  private static int managedVersion(Connection c, Location location) throws SQLException {
    int highest = SchemaVersionException.NO_VERSION;
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT version FROM "
                    + location.qualified(LandscapeSchema.VERSION_TABLE)
                    + " WHERE success AND version IS NOT NULL")) {
      while (rs.next()) {
        String version = rs.getString(1);
        try {
          highest = Math.max(highest, Integer.parseInt(version.trim()));
        } catch (NumberFormatException e) {
          throw new SchemaVersionException(
              location.description()
                  + ": "
                  + LandscapeSchema.VERSION_TABLE
                  + " records version '"
                  + version
                  + "', which no release of this software wrote (its versions are whole numbers)."
                  + " Nothing was changed.",
              SchemaVersionException.NO_VERSION,
              LandscapeSchema.CURRENT_VERSION);
        }
      }
    }
    return highest;
  }

  /**
   * Names of the tables and views of the place the schema lives in. On SQLite that is the main
   * database, whose names are case-insensitive, so they are lower-cased; on PostgreSQL it is the
   * current schema only, read from the catalog so that tables the user may not read still count.
   */
  private static Set<String> existingTables(Connection c, Location location) throws SQLException {
    Set<String> names = new HashSet<>();
    if (location.dialect() == Dialect.SQLITE) {
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
        statement.setString(1, location.schema());
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
  static Dialect dialectOf(Connection c) throws SQLException {
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

  /**
   * Where the schema lives.
   *
   * @param dialect the database
   * @param schema the PostgreSQL current schema; {@code main} on SQLite
   * @param description names the database for messages; never includes credentials
   */
  record Location(Dialect dialect, String schema, String description) {
    /** The SQL state (invalid_schema_name) of the failure when PostgreSQL has no current schema. */
    static final String NO_CURRENT_SCHEMA = "3F000";

    /**
     * A table's name as it must appear in SQL: qualified on PostgreSQL, so that a temporary table
     * of the same name can never shadow ours.
     */
    String qualified(String table) {
      return dialect == Dialect.SQLITE
          ? table
          : "\"" + schema.replace("\"", "\"\"") + "\"." + table;
    }

    /**
     * @throws SQLException on PostgreSQL when the connection has no current schema
     */
    static Location of(Connection c, Dialect dialect) throws SQLException {
      if (dialect == Dialect.SQLITE) {
        return new Location(dialect, "main", "SQLite database " + c.getMetaData().getURL());
      }
      try (Statement statement = c.createStatement();
          ResultSet rs = statement.executeQuery("SELECT current_schema(), current_database()")) {
        rs.next();
        String schema = rs.getString(1);
        if (schema == null) {
          throw new SQLException(
              "The PostgreSQL connection has no current schema: none of the schemas on its"
                  + " search_path exists. Create the schema, or fix the currentSchema JDBC"
                  + " parameter.",
              NO_CURRENT_SCHEMA);
        }
        return new Location(
            dialect,
            schema,
            "PostgreSQL schema \"" + schema + "\" of database \"" + rs.getString(2) + "\"");
      }
    }
  }
}
