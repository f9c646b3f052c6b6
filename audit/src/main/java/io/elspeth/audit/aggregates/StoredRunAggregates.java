package io.elspeth.audit.aggregates;

import io.elspeth.audit.schema.ExtensionTables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The {@value ExtensionTables#RUN_AGGREGATES} table: per settled run, one JSON document of the
 * aggregates the web console shows of it, so that its first view reads one row by key instead of
 * the whole run. The document's shape belongs to its writer (the console's {@code RunAggregates}),
 * which says it with a format version; this class stores and fetches it. Everything in it is
 * derived from the run's records: a run without a row is computed from them.
 */
public final class StoredRunAggregates {
  private static final String TABLE = ExtensionTables.RUN_AGGREGATES;

  /** A run's stored document, and the format its writer gave it. */
  public record Stored(int formatVersion, long recordedMs, String json) {}

  private StoredRunAggregates() {}

  /**
   * Records (or replaces: a resume's repair can change a settled run's records) the aggregates of
   * {@code runId}, on {@code c} and inside the caller's transaction.
   */
  public static void write(
      Connection c, String runId, int formatVersion, long recordedMs, String json)
      throws SQLException {
    // ON CONFLICT ... DO UPDATE is read alike by SQLite (3.24 and later) and PostgreSQL.
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO "
                + TABLE
                + " (run_id,"
                + " format_version, recorded_ms, aggregates_json) VALUES (?, ?, ?, ?) ON CONFLICT"
                + " (run_id) DO UPDATE SET format_version = excluded.format_version, recorded_ms ="
                + " excluded.recorded_ms, aggregates_json = excluded.aggregates_json")) {
      ps.setString(1, runId);
      ps.setInt(2, formatVersion);
      ps.setLong(3, recordedMs);
      ps.setString(4, json);
      ps.executeUpdate();
    }
  }

  /** The stored aggregates of {@code runId}, by its primary key; empty when none were recorded. */
  public static Optional<Stored> read(Connection c, String runId) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT format_version, recorded_ms,"
                + " aggregates_json FROM "
                + TABLE
                + " WHERE run_id = ?")) {
      ps.setString(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        String json = rs.getString(3);
        if (json == null) {
          throw new SQLException(
              TABLE
                  + ".aggregates_json of run "
                  + runId
                  + " is NULL, which"
                  + " its NOT NULL constraint forbids");
        }
        return Optional.of(new Stored(rs.getInt(1), rs.getLong(2), json));
      }
    }
  }

  /**
   * Forgets the aggregates of {@code runId}: its views are computed from its records again. Returns
   * whether it had any.
   */
  public static boolean delete(Connection c, String runId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + TABLE + " WHERE run_id = ?")) {
      ps.setString(1, runId);
      return ps.executeUpdate() > 0;
    }
  }
}
