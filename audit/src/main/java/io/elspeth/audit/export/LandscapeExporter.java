package io.elspeth.audit.export;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.canonical.CanonicalizationException;
import io.elspeth.audit.lineage.AuditIntegrityException;
import io.elspeth.audit.lineage.StoredValues;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Reads one run of the Landscape as flat export records, each a map whose first key is
 * {@code record_type}, in ELSPETH's deterministic order (spec/landscape.md §7.1):
 *
 * <ol>
 *   <li>{@code run}
 *   <li>{@code secret_resolution} records
 *   <li>{@code node} records, then {@code edge} records
 *   <li>each {@code operation} (by started_at) followed by its {@code call}s (by call_index)
 *   <li>each {@code row} (by row_index), then for each of its tokens (by created_at, token_id):
 *       the {@code token}, its {@code token_parent}s, its {@code token_outcome}s and its
 *       {@code node_state}s (by step_index, attempt), each state followed by its
 *       {@code routing_event}s and its {@code call}s
 *   <li>each {@code batch} followed by its {@code batch_member}s
 *   <li>{@code artifact} records
 * </ol>
 *
 * <p>Every column of a table is exported under its column name, with two normalisations that
 * make an export of SQLite and of PostgreSQL alike: columns ending in {@code _at} become
 * ISO-8601 UTC text with microseconds, and columns ending in {@code _json} are parsed and
 * exported without the suffix ({@code settings_json} becomes {@code settings}). Integers are
 * exported as integers and reals as numbers. Like ELSPETH, validation and transform errors,
 * checkpoints and preflight results are not exported.
 *
 * <p>The run is read in one query per table; the caller owns the connection.
 */
public final class LandscapeExporter {
  private LandscapeExporter() {}

  /**
   * The records of {@code runId} in export order; empty when the run does not exist.
   *
   * @throws SQLException when the database cannot be read
   * @throws AuditIntegrityException when a stored timestamp or JSON column is not readable
   */
  public static List<Map<String, Object>> exportRun(Connection c, String runId)
      throws SQLException {
    List<Map<String, Object>> runs = read(c, "run", "SELECT * FROM runs WHERE run_id = ?", runId);
    if (runs.isEmpty()) {
      return List.of();
    }
    List<Map<String, Object>> out = new ArrayList<>(runs);
    out.addAll(read(c, "secret_resolution", "SELECT * FROM secret_resolutions WHERE run_id = ?"
        + " ORDER BY \"timestamp\", resolution_id", runId));
    out.addAll(read(c, "node", "SELECT * FROM nodes WHERE run_id = ?"
        + " ORDER BY registered_at, node_id", runId));
    out.addAll(read(c, "edge", "SELECT * FROM edges WHERE run_id = ?"
        + " ORDER BY created_at, edge_id", runId));

    Map<String, List<Map<String, Object>>> operationCalls = group(read(c, "call",
        "SELECT k.* FROM calls k JOIN operations o ON o.operation_id = k.operation_id"
            + " WHERE o.run_id = ? ORDER BY k.operation_id, k.call_index", runId), "operation_id");
    for (Map<String, Object> op : read(c, "operation", "SELECT * FROM operations"
        + " WHERE run_id = ? ORDER BY started_at, operation_id", runId)) {
      out.add(op);
      out.addAll(operationCalls.getOrDefault(op.get("operation_id"), List.of()));
    }

    Map<String, List<Map<String, Object>>> tokensByRow = group(read(c, "token",
        "SELECT * FROM tokens WHERE run_id = ? ORDER BY created_at, token_id", runId), "row_id");
    Map<String, List<Map<String, Object>>> parents = group(read(c, "token_parent",
        "SELECT p.* FROM token_parents p JOIN tokens t ON t.token_id = p.token_id"
            + " WHERE t.run_id = ? ORDER BY p.token_id, p.ordinal", runId), "token_id");
    Map<String, List<Map<String, Object>>> outcomes = group(read(c, "token_outcome",
        "SELECT * FROM token_outcomes WHERE run_id = ? ORDER BY recorded_at, outcome_id", runId),
        "token_id");
    Map<String, List<Map<String, Object>>> states = group(read(c, "node_state",
        "SELECT * FROM node_states WHERE run_id = ? ORDER BY step_index, attempt, state_id",
        runId), "token_id");
    Map<String, List<Map<String, Object>>> routing = group(read(c, "routing_event",
        "SELECT r.* FROM routing_events r JOIN node_states s ON s.state_id = r.state_id"
            + " WHERE s.run_id = ? ORDER BY r.ordinal, r.routing_group_id, r.event_id", runId),
        "state_id");
    Map<String, List<Map<String, Object>>> stateCalls = group(read(c, "call",
        "SELECT k.* FROM calls k JOIN node_states s ON s.state_id = k.state_id"
            + " WHERE s.run_id = ? ORDER BY k.call_index, k.call_id", runId), "state_id");
    for (Map<String, Object> row : read(c, "row", "SELECT * FROM rows WHERE run_id = ?"
        + " ORDER BY row_index", runId)) {
      out.add(row);
      for (Map<String, Object> token : tokensByRow.getOrDefault(row.get("row_id"), List.of())) {
        Object tokenId = token.get("token_id");
        out.add(token);
        out.addAll(parents.getOrDefault(tokenId, List.of()));
        out.addAll(outcomes.getOrDefault(tokenId, List.of()));
        for (Map<String, Object> state : states.getOrDefault(tokenId, List.of())) {
          out.add(state);
          out.addAll(routing.getOrDefault(state.get("state_id"), List.of()));
          out.addAll(stateCalls.getOrDefault(state.get("state_id"), List.of()));
        }
      }
    }

    Map<String, List<Map<String, Object>>> members = group(read(c, "batch_member",
        "SELECT m.* FROM batch_members m JOIN batches b ON b.batch_id = m.batch_id"
            + " WHERE b.run_id = ? ORDER BY m.batch_id, m.ordinal", runId), "batch_id");
    for (Map<String, Object> batch : read(c, "batch", "SELECT * FROM batches WHERE run_id = ?"
        + " ORDER BY created_at, batch_id", runId)) {
      out.add(batch);
      out.addAll(members.getOrDefault(batch.get("batch_id"), List.of()));
    }
    out.addAll(read(c, "artifact", "SELECT * FROM artifacts WHERE run_id = ?"
        + " ORDER BY created_at, artifact_id", runId));
    return out;
  }

  /** Groups records by a column, keeping each group in query order. */
  private static Map<String, List<Map<String, Object>>> group(
      List<Map<String, Object>> records, String column) {
    Map<String, List<Map<String, Object>>> groups = new HashMap<>();
    for (Map<String, Object> r : records) {
      groups.computeIfAbsent(String.valueOf(r.get(column)), k -> new ArrayList<>()).add(r);
    }
    return groups;
  }

  private static List<Map<String, Object>> read(Connection c, String recordType, String sql,
      String runId) throws SQLException {
    List<Map<String, Object>> records = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        ResultSetMetaData meta = rs.getMetaData();
        int n = meta.getColumnCount();
        while (rs.next()) {
          Map<String, Object> record = new LinkedHashMap<>();
          record.put("record_type", recordType);
          String id = rs.getString(1);
          for (int i = 1; i <= n; i++) {
            String column = meta.getColumnLabel(i).toLowerCase(java.util.Locale.ROOT);
            Object value = rs.getObject(i);
            if (column.endsWith("_json")) {
              record.put(column.substring(0, column.length() - "_json".length()),
                  json(value, recordType, id, column));
            } else if (column.endsWith("_at")) {
              record.put(column, StoredValues.time(value, recordType, id, column));
            } else {
              record.put(column, scalar(value));
            }
          }
          records.add(record);
        }
      }
    }
    return records;
  }

  private static @Nullable Object json(@Nullable Object value, String recordType, String id,
      String column) {
    if (value == null) {
      return null;
    }
    try {
      return CanonicalJson.parse(value.toString());
    } catch (CanonicalizationException e) {
      throw new AuditIntegrityException(recordType + " " + id + ": column " + column
          + " does not hold valid JSON: " + e.getMessage(), e);
    }
  }

  /** Integers as Long and reals as Double on both dialects, so exports compare equal. */
  private static @Nullable Object scalar(@Nullable Object value) {
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof Float f) {
      return f.doubleValue();
    }
    if (value instanceof BigInteger b) {
      return b.longValueExact();
    }
    if (value instanceof BigDecimal d) {
      return d.scale() <= 0 ? d.longValueExact() : d.doubleValue();
    }
    return value;
  }
}
