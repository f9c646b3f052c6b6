package io.elspeth.audit.schema;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Builds a Landscape the way the first release (before migrations) did: its hand-written v1 DDL,
 * its {@code landscape_schema_version} row, and its extension tables.
 */
public final class FirstRelease {
  private FirstRelease() {}

  /** Creates the first release's schema through {@code c} (its current schema on PostgreSQL). */
  public static void create(Connection c, Dialect dialect) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (String ddl : DdlScript.load(DdlScript.firstReleased(dialect))) {
        s.execute(ddl);
      }
      s.execute(
          "INSERT INTO "
              + SchemaInspection.LEGACY_VERSION_TABLE
              + " (version, applied_at, description) VALUES (1, "
              + (dialect == Dialect.SQLITE ? "'2026-12-01T00:00:00Z'" : "now()")
              + ", 'Landscape schema v1: the 20 tables of ELSPETH HEAD de732358')");
      for (String ddl : DdlScript.load("released/elspeth-tables-v1.sql")) {
        s.execute(ddl);
      }
    }
  }
}
