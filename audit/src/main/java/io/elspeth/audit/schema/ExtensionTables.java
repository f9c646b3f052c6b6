package io.elspeth.audit.schema;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Tables of our own beside ELSPETH's 20, for what ELSPETH does not record: who owns a run (its
 * lease), which run resumed which, and what each sink was about to publish. They are created when
 * missing in a database whose Landscape schema is accepted, so a version-1 Landscape written before
 * they existed gains them in place; they hold no column ELSPETH's readers look for, and the same
 * DDL serves both dialects. Times are epoch milliseconds.
 */
public final class ExtensionTables {
  public static final String RUN_LEASES = "elspeth_run_leases";
  public static final String RESUMPTIONS = "elspeth_resumptions";
  public static final String SINK_PUBLICATIONS = "elspeth_sink_publications";

  private static final List<String> DDL = List.of(
      "CREATE TABLE IF NOT EXISTS " + RUN_LEASES + " ("
          + " run_id VARCHAR(64) NOT NULL PRIMARY KEY,"
          + " owner_id VARCHAR(64) NOT NULL,"
          + " host VARCHAR(255) NOT NULL,"
          + " pid BIGINT NOT NULL,"
          + " process_started_ms BIGINT,"
          + " acquired_ms BIGINT NOT NULL,"
          + " heartbeat_ms BIGINT NOT NULL,"
          + " released_ms BIGINT)",
      "CREATE TABLE IF NOT EXISTS " + RESUMPTIONS + " ("
          + " resumed_run_id VARCHAR(64) NOT NULL PRIMARY KEY,"
          + " resumed_by_run_id VARCHAR(64) NOT NULL,"
          + " claimed_ms BIGINT NOT NULL)",
      "CREATE TABLE IF NOT EXISTS " + SINK_PUBLICATIONS + " ("
          + " publication_id VARCHAR(64) NOT NULL PRIMARY KEY,"
          + " run_id VARCHAR(64) NOT NULL,"
          + " node_id VARCHAR(128) NOT NULL,"
          + " sink_name VARCHAR(128) NOT NULL,"
          + " step_index INTEGER NOT NULL,"
          + " artifact_type VARCHAR(64) NOT NULL,"
          + " target TEXT NOT NULL,"
          + " staged TEXT,"
          + " manifest TEXT,"
          + " token_count BIGINT NOT NULL,"
          + " base_size BIGINT,"
          + " base_hash VARCHAR(64),"
          + " new_size BIGINT NOT NULL,"
          + " new_hash VARCHAR(64) NOT NULL,"
          + " recorded_ms BIGINT NOT NULL,"
          + " settled_ms BIGINT,"
          + " resolution VARCHAR(16))",
      "CREATE INDEX IF NOT EXISTS ix_elspeth_sink_publications_run ON " + SINK_PUBLICATIONS
          + " (run_id)");

  private ExtensionTables() {}

  /** The names of the extension tables. */
  public static List<String> names() {
    return List.of(RUN_LEASES, RESUMPTIONS, SINK_PUBLICATIONS);
  }

  /** Creates the extension tables that are missing; changes nothing else. */
  static void ensure(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (String ddl : DDL) {
        s.execute(ddl);
      }
    }
  }
}
