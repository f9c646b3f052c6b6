package io.elspeth.audit.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Inserts the smallest rows that satisfy the Landscape's NOT NULL columns and foreign keys, so
 * constraint tests exercise exactly the constraint they name.
 */
final class LandscapeRows {
  private static final Instant T0 = Instant.parse("2026-03-30T12:00:00Z");
  private static final String HASH = "a".repeat(64);

  private final Connection c;
  private final Dialect dialect;

  LandscapeRows(Connection c, Dialect dialect) {
    this.c = c;
    this.dialect = dialect;
  }

  /** A run with a source node, one row and one token {@code tokenId}; ids derive from runId. */
  void runWithToken(String runId, String tokenId) throws SQLException {
    insert(
        "runs",
        values(
            "run_id",
            runId,
            "started_at",
            T0,
            "config_hash",
            HASH,
            "settings_json",
            "{}",
            "canonical_version",
            "sha256-rfc8785-v1",
            "status",
            "running"));
    insert(
        "nodes",
        values(
            "node_id",
            "source_csv",
            "run_id",
            runId,
            "plugin_name",
            "csv",
            "node_type",
            "source",
            "plugin_version",
            "1.0.0",
            "determinism",
            "io_read",
            "config_hash",
            HASH,
            "config_json",
            "{}",
            "registered_at",
            T0));
    insert(
        "rows",
        values(
            "row_id",
            runId + "-row",
            "run_id",
            runId,
            "source_node_id",
            "source_csv",
            "row_index",
            0,
            "source_data_hash",
            HASH,
            "created_at",
            T0));
    token(runId, tokenId);
  }

  /** Another token of the run's single row. */
  void token(String runId, String tokenId) throws SQLException {
    insert(
        "tokens",
        values("token_id", tokenId, "row_id", runId + "-row", "run_id", runId, "created_at", T0));
  }

  void nodeState(String runId, String tokenId, String stateId) throws SQLException {
    insert(
        "node_states",
        values(
            "state_id",
            stateId,
            "token_id",
            tokenId,
            "run_id",
            runId,
            "node_id",
            "source_csv",
            "step_index",
            0,
            "attempt",
            0,
            "status",
            "open",
            "input_hash",
            HASH,
            "started_at",
            T0));
  }

  void operation(String runId, String operationId) throws SQLException {
    insert(
        "operations",
        values(
            "operation_id",
            operationId,
            "run_id",
            runId,
            "node_id",
            "source_csv",
            "operation_type",
            "source_load",
            "started_at",
            T0,
            "status",
            "open"));
  }

  void outcome(String outcomeId, String runId, String tokenId, String outcome, int isTerminal)
      throws SQLException {
    insert(
        "token_outcomes",
        values(
            "outcome_id",
            outcomeId,
            "run_id",
            runId,
            "token_id",
            tokenId,
            "outcome",
            outcome,
            "is_terminal",
            isTerminal,
            "recorded_at",
            T0));
  }

  /** A call; pass null for the parent that should be absent. */
  void call(String callId, String stateId, String operationId, int callIndex) throws SQLException {
    Map<String, Object> v =
        values(
            "call_id",
            callId,
            "call_index",
            callIndex,
            "call_type",
            "http",
            "status",
            "success",
            "request_hash",
            HASH,
            "created_at",
            T0);
    v.put("state_id", stateId);
    v.put("operation_id", operationId);
    insert("calls", v);
  }

  void preflight(String resultId, String runId, String resultType) throws SQLException {
    insert(
        "preflight_results",
        values(
            "result_id",
            resultId,
            "run_id",
            runId,
            "result_type",
            resultType,
            "name",
            "gate",
            "result_json",
            "{}",
            "created_at",
            T0));
  }

  /** INSERT of the given columns; Instants become timestamptz on PostgreSQL, ISO text on SQLite. */
  void insert(String table, Map<String, Object> columns) throws SQLException {
    String sql =
        "INSERT INTO "
            + table
            + " ("
            + String.join(", ", columns.keySet())
            + ") VALUES ("
            + String.join(", ", columns.keySet().stream().map(k -> "?").toList())
            + ")";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      int i = 1;
      for (Object value : columns.values()) {
        if (value instanceof Instant instant) {
          if (dialect == Dialect.POSTGRESQL) {
            ps.setObject(i, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
          } else {
            ps.setString(i, instant.toString());
          }
        } else {
          ps.setObject(i, value);
        }
        i++;
      }
      ps.executeUpdate();
    }
  }

  private static Map<String, Object> values(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }
}
