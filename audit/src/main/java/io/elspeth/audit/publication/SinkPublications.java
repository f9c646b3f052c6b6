package io.elspeth.audit.publication;

import io.elspeth.audit.crash.CrashPoint;
import io.elspeth.audit.schema.ExtensionTables;
import io.elspeth.audit.store.LandscapeStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/** Reads and writes {@link SinkPublication}s: the Landscape's record of what sinks publish. */
public final class SinkPublications {
  private static final String TABLE = ExtensionTables.SINK_PUBLICATIONS;
  private static final String COLUMNS =
      "publication_id, run_id, node_id, sink_name, step_index,"
          + " artifact_type, target, staged, manifest, token_count, base_size, base_hash, new_size, new_hash,"
          + " recorded_ms, settled_ms";

  private SinkPublications() {}

  /** Commits the intent to publish; only after this returns may the target change. */
  public static void record(LandscapeStore store, SinkPublication p) {
    store.inTransaction(
        "record the publication of sink '" + p.sinkName() + "'",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO "
                      + TABLE
                      + " ("
                      + COLUMNS
                      + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, p.publicationId());
            ps.setString(2, p.runId());
            ps.setString(3, p.nodeId());
            ps.setString(4, p.sinkName());
            ps.setInt(5, p.stepIndex());
            ps.setString(6, p.artifactType());
            ps.setString(7, p.target());
            ps.setString(8, p.staged());
            ps.setString(9, p.manifest());
            ps.setLong(10, p.tokenCount());
            setLong(ps, 11, p.baseSize());
            ps.setString(12, p.baseHash());
            ps.setLong(13, p.newSize());
            ps.setString(14, p.newHash());
            ps.setLong(15, p.recordedMs());
            setLong(ps, 16, p.settledMs());
            return ps.executeUpdate();
          }
        });
    CrashPoint.reached("sink.intent_recorded");
  }

  /** The publications of {@code runId} whose outcomes are not all known committed, oldest first. */
  public static List<SinkPublication> unsettled(Connection c, String runId) throws SQLException {
    List<SinkPublication> out = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT "
                + COLUMNS
                + " FROM "
                + TABLE
                + " WHERE run_id = ? AND settled_ms IS NULL ORDER BY recorded_ms, publication_id")) {
      ps.setString(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new SinkPublication(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getInt(5),
                  rs.getString(6),
                  rs.getString(7),
                  rs.getString(8),
                  rs.getString(9),
                  rs.getLong(10),
                  longOrNull(rs, 11),
                  rs.getString(12),
                  rs.getLong(13),
                  rs.getString(14),
                  rs.getLong(15),
                  longOrNull(rs, 16)));
        }
      }
    }
    return out;
  }

  /**
   * The target that sink node {@code nodeId} last published in any of {@code runIds} (a resume
   * chain): where a resumed run's sink appends when its target is not fixed by its settings (a blob
   * named after the run and the time). Empty when none of them published.
   */
  public static java.util.Optional<String> lastPublishedTarget(
      Connection c, List<String> runIds, String nodeId) throws SQLException {
    if (runIds.isEmpty()) {
      return java.util.Optional.empty();
    }
    String marks = String.join(", ", runIds.stream().map(r -> "?").toList());
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT target FROM "
                + TABLE
                + " WHERE node_id = ? AND resolution = 'published' AND run_id IN ("
                + marks
                + ")"
                + " ORDER BY recorded_ms DESC, publication_id DESC")) {
      ps.setString(1, nodeId);
      int i = 2;
      for (String r : runIds) {
        ps.setString(i++, r);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? java.util.Optional.of(rs.getString(1)) : java.util.Optional.empty();
      }
    }
  }

  /**
   * Marks one publication settled with its resolution: {@code published} (every token of its
   * manifest has its outcome committed) or {@code abandoned} (the target never changed, and no
   * token of it has an outcome from this sink).
   */
  public static void settle(
      LandscapeStore store, String publicationId, String resolution, long nowMs) {
    store.inTransaction(
        "settle sink publication " + publicationId,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE "
                      + TABLE
                      + " SET settled_ms = ?,"
                      + " resolution = ? WHERE publication_id = ? AND settled_ms IS NULL")) {
            ps.setLong(1, nowMs);
            ps.setString(2, resolution);
            ps.setString(3, publicationId);
            return ps.executeUpdate();
          }
        });
  }

  private static void setLong(PreparedStatement ps, int i, @Nullable Long v) throws SQLException {
    if (v == null) {
      ps.setNull(i, Types.BIGINT);
    } else {
      ps.setLong(i, v);
    }
  }

  private static @Nullable Long longOrNull(ResultSet rs, int i) throws SQLException {
    long v = rs.getLong(i);
    return rs.wasNull() ? null : v;
  }
}
