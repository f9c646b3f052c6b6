package io.elspeth.connectors.replay;

import io.elspeth.audit.payload.PayloadStore;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Reads the calls of one run from the Landscape, in the order they were made (ELSPETH's {@code
 * find_call_by_request_hash}: chronological by {@code created_at}), each with its match hash: that
 * of its stored request payload, or its recorded request hash when the payload is not stored (a
 * Blob call's request is hashed only, and holds no secret).
 */
public final class RecordedCalls {
  private static final String COLUMNS =
      "c.call_id, c.call_type, c.status, c.request_hash,"
          + " c.request_ref, c.response_hash, c.response_ref, c.error_json, c.latency_ms,"
          + " c.created_at, c.call_index";

  private RecordedCalls() {}

  /** Whether the Landscape has a run with this id. */
  public static boolean runExists(Connection c, String runId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM runs WHERE run_id = ?")) {
      ps.setString(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /**
   * The calls of {@code runId}'s node states (and, with {@code withOperations}, of its source loads
   * and sink writes), oldest first.
   */
  public static List<RecordedCall> load(
      Connection c, String runId, @Nullable PayloadStore store, boolean withOperations)
      throws SQLException {
    List<RecordedCall> calls = new ArrayList<>();
    String sql =
        "SELECT 'state' AS parent, "
            + COLUMNS
            + " FROM calls c JOIN node_states s"
            + " ON s.state_id = c.state_id WHERE s.run_id = ?"
            + (withOperations
                ? " UNION ALL SELECT 'operation' AS parent, "
                    + COLUMNS
                    + " FROM calls c JOIN operations o ON o.operation_id = c.operation_id"
                    + " WHERE o.run_id = ?"
                : "")
            + " ORDER BY created_at, call_index, call_id";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, runId);
      if (withOperations) {
        ps.setString(2, runId);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String requestHash = rs.getString("request_hash");
          String requestRef = rs.getString("request_ref");
          double latency = rs.getDouble("latency_ms");
          calls.add(
              new RecordedCall(
                  rs.getString("call_id"),
                  rs.getString("parent"),
                  rs.getString("call_type"),
                  rs.getString("status"),
                  requestHash,
                  requestRef,
                  matchHash(store, requestRef, requestHash),
                  rs.getString("response_hash"),
                  rs.getString("response_ref"),
                  rs.getString("error_json"),
                  rs.wasNull() ? null : latency));
        }
      }
    }
    return calls;
  }

  private static String matchHash(
      @Nullable PayloadStore store, @Nullable String requestRef, String requestHash) {
    if (store == null || requestRef == null || !store.exists(requestRef)) {
      return requestHash;
    }
    return RequestMatch.hashOfPayload(
        new String(store.retrieve(requestRef), StandardCharsets.UTF_8));
  }

  /** A call's stored response payload as text, or null when it is not stored. */
  public static @Nullable String responseText(@Nullable PayloadStore store, RecordedCall call) {
    if (store == null || call.responseRef() == null || !store.exists(call.responseRef())) {
      return null;
    }
    return new String(store.retrieve(call.responseRef()), StandardCharsets.UTF_8);
  }
}
