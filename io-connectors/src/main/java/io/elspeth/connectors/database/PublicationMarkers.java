package io.elspeth.connectors.database;

import io.elspeth.audit.schema.Dialect;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The marker rows of the database sink's one-step publications: each commits, in the transaction of
 * its rows, a row naming its publication in {@value DatabaseSinkWriter#COMMITS_TABLE} (in the
 * table's schema), so a resume can ask whether a publication committed.
 */
final class PublicationMarkers {
  private PublicationMarkers() {}

  private static String commitsTable(TableSql sql) {
    return sql.inTablesSchema(DatabaseSinkWriter.COMMITS_TABLE);
  }

  /** Inserts the marker of {@code publicationId} in {@code c}'s open transaction. */
  static void mark(Connection c, TableSql sql, String publicationId) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS "
              + commitsTable(sql)
              + " (publication_id VARCHAR(64)"
              + " NOT NULL PRIMARY KEY, table_name VARCHAR(256) NOT NULL)");
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO " + commitsTable(sql) + " (publication_id, table_name) VALUES (?, ?)")) {
      ps.setString(1, publicationId);
      ps.setString(2, sql.table());
      ps.executeUpdate();
    }
  }

  /** Whether the marker of {@code publicationId} is committed. */
  static boolean marked(Connection c, TableSql sql, String publicationId) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM " + commitsTable(sql) + " WHERE publication_id = ?")) {
      ps.setString(1, publicationId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException e) {
      // No marker table: no publication of this sink ever committed.
      if (tableMissing(c, sql)) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Whether the commits table is missing from the schema this sink's statements name: the table's
   * own ({@code schema.table}), else the connection's current schema (PostgreSQL's {@code
   * current_schema()}, SQLite's {@code main}). A commits table in another schema is another sink's
   * and says nothing about this one's publications.
   */
  private static boolean tableMissing(Connection c, TableSql sql) throws SQLException {
    if (!c.getAutoCommit()) {
      c.rollback();
    }
    String table = sql.table();
    int dot = table.indexOf('.');
    @Nullable String schemaName =
        dot >= 0
            ? table.substring(0, dot)
            : sql.dialect() == Dialect.SQLITE ? "main" : c.getSchema();
    if (schemaName == null) {
      // No schema on the search_path exists: an unqualified name resolves to no table at all.
      return true;
    }
    DatabaseMetaData meta = c.getMetaData();
    String escape = meta.getSearchStringEscape();
    try (ResultSet rs =
        meta.getTables(
            null,
            likeExactly(schemaName, escape),
            likeExactly(DatabaseSinkWriter.COMMITS_TABLE, escape),
            null)) {
      return !rs.next();
    }
  }

  /** {@code name} as a metadata search pattern matching only itself ({@code _} is a wildcard). */
  private static String likeExactly(String name, String escape) {
    return name.replace(escape, escape + escape)
        .replace("_", escape + "_")
        .replace("%", escape + "%");
  }
}
