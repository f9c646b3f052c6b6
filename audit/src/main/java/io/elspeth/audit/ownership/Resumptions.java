package io.elspeth.audit.ownership;

import io.elspeth.audit.schema.ExtensionTables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which run resumed which. A run is resumed at most once: the claim is the primary key of {@value
 * ExtensionTables#RESUMPTIONS}, so of two resumes started at once the second insert fails and that
 * resume is refused. The runs of one resume chain are followed backwards from the newest.
 */
public final class Resumptions {
  private static final String TABLE = ExtensionTables.RESUMPTIONS;

  private Resumptions() {}

  /** The run that resumed {@code runId}, if any. */
  public static Optional<String> resumedBy(Connection c, String runId) throws SQLException {
    return one(c, "SELECT resumed_by_run_id FROM " + TABLE + " WHERE resumed_run_id = ?", runId);
  }

  /** The run {@code runId} resumed, if it was a resume. */
  public static Optional<String> resumedRun(Connection c, String runId) throws SQLException {
    return one(c, "SELECT resumed_run_id FROM " + TABLE + " WHERE resumed_by_run_id = ?", runId);
  }

  /** {@code runId} and the runs it resumes, transitively, oldest first. */
  public static List<String> chainEndingAt(Connection c, String runId) throws SQLException {
    List<String> chain = new ArrayList<>();
    String at = runId;
    while (at != null && !chain.contains(at)) {
      chain.add(0, at);
      at = resumedRun(c, at).orElse(null);
    }
    return chain;
  }

  /** Inserts the claim of {@code resumedRunId} by {@code byRunId}; fails if one exists. */
  public static void claim(Connection c, String resumedRunId, String byRunId) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO "
                + TABLE
                + " (resumed_run_id, resumed_by_run_id, claimed_ms) VALUES (?, ?, ?)")) {
      ps.setString(1, resumedRunId);
      ps.setString(2, byRunId);
      ps.setLong(3, System.currentTimeMillis());
      ps.executeUpdate();
    }
  }

  /** Drops a claim whose resuming run never got recorded (its process died at once). */
  public static void dropClaim(Connection c, String resumedRunId, String byRunId)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "DELETE FROM " + TABLE + " WHERE resumed_run_id = ? AND resumed_by_run_id = ?")) {
      ps.setString(1, resumedRunId);
      ps.setString(2, byRunId);
      ps.executeUpdate();
    }
  }

  private static Optional<String> one(Connection c, String sql, String arg) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, arg);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }
}
