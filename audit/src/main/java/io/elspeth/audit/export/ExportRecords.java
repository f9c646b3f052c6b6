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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The export records of one run, in the order {@link LandscapeExporter} documents, read lazily: the
 * run-level records first, then the rows a window of {@value #ROWS_PER_WINDOW} rows at a time (each
 * window's tokens, parents, outcomes, states, routing events and calls read with one query per
 * table, restricted to the window's rows through the {@code (run_id, row_index)} key and the
 * indexes on {@code token_id} and {@code state_id}), then batches and artifacts.
 *
 * <p>Why: a million-row run has about ten million records; read whole, as a list of maps, they need
 * gigabytes of heap, and the console's download or {@code elspeth export} of such a run ran out of
 * memory. A window holds a few thousand rows' records at a time whatever the run's size.
 *
 * <p>The caller owns the connection and keeps it open while iterating. A database error is thrown
 * as {@link ExportReadException}; a stored value that cannot be read as {@link
 * AuditIntegrityException}.
 */
public final class ExportRecords implements Iterator<Map<String, Object>> {
  /** Rows whose records are read together. */
  static final int ROWS_PER_WINDOW = 2_000;

  /** The row ids of the window: {@code ?} run id, first and last row index. */
  private static final String WINDOW =
      "SELECT w.row_id FROM rows w WHERE w.run_id = ? AND" + " w.row_index BETWEEN ? AND ?";

  private enum Phase {
    RUN,
    ROWS,
    TAIL,
    DONE
  }

  private final Connection c;
  private final String runId;
  private final int rowsPerWindow;
  private final ArrayDeque<Map<String, Object>> buffer = new ArrayDeque<>();
  private Phase phase = Phase.RUN;
  private long lastRowIndex = Long.MIN_VALUE;

  ExportRecords(Connection c, String runId, int rowsPerWindow) {
    this.c = c;
    this.runId = runId;
    this.rowsPerWindow = rowsPerWindow;
  }

  /** The records of {@code runId}; none when the run does not exist. */
  public static ExportRecords of(Connection c, String runId) {
    return new ExportRecords(c, runId, ROWS_PER_WINDOW);
  }

  /** A database error while reading the export. */
  public static final class ExportReadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ExportReadException(String message, SQLException cause) {
      super(message + ": " + cause.getMessage(), cause);
    }

    @Override
    public synchronized SQLException getCause() {
      // Always built with its SQLException (the constructor's only form).
      return (SQLException) java.util.Objects.requireNonNull(super.getCause());
    }
  }

  @Override
  public boolean hasNext() {
    try {
      while (buffer.isEmpty() && phase != Phase.DONE) {
        fill();
      }
    } catch (SQLException e) {
      phase = Phase.DONE;
      throw new ExportReadException("cannot read run " + runId + " for export", e);
    }
    return !buffer.isEmpty();
  }

  @Override
  public Map<String, Object> next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return buffer.removeFirst();
  }

  private void fill() throws SQLException {
    switch (phase) {
      case RUN -> {
        List<Map<String, Object>> runs = read("run", "SELECT * FROM runs WHERE run_id = ?");
        if (runs.isEmpty()) {
          phase = Phase.DONE;
          return;
        }
        buffer.addAll(runs);
        buffer.addAll(
            read(
                "secret_resolution",
                "SELECT * FROM secret_resolutions WHERE"
                    + " run_id = ? ORDER BY \"timestamp\", resolution_id"));
        buffer.addAll(
            read(
                "node",
                "SELECT * FROM nodes WHERE run_id = ?" + " ORDER BY registered_at, node_id"));
        buffer.addAll(
            read("edge", "SELECT * FROM edges WHERE run_id = ?" + " ORDER BY created_at, edge_id"));
        Map<String, List<Map<String, Object>>> operationCalls =
            group(
                read(
                    "call",
                    "SELECT k.* FROM calls k JOIN operations o ON o.operation_id = k.operation_id"
                        + " WHERE o.run_id = ? ORDER BY k.operation_id, k.call_index"),
                "operation_id");
        for (Map<String, Object> op :
            read(
                "operation",
                "SELECT * FROM operations"
                    + " WHERE run_id = ? ORDER BY started_at, operation_id")) {
          buffer.add(op);
          buffer.addAll(
              operationCalls.getOrDefault(String.valueOf(op.get("operation_id")), List.of()));
        }
        phase = Phase.ROWS;
      }
      case ROWS -> {
        if (!nextWindow()) {
          phase = Phase.TAIL;
        }
      }
      case TAIL -> {
        Map<String, List<Map<String, Object>>> members =
            group(
                read(
                    "batch_member",
                    "SELECT m.* FROM batch_members m JOIN batches b ON b.batch_id = m.batch_id"
                        + " WHERE b.run_id = ? ORDER BY m.batch_id, m.ordinal"),
                "batch_id");
        for (Map<String, Object> batch :
            read(
                "batch",
                "SELECT * FROM batches WHERE run_id = ?" + " ORDER BY created_at, batch_id")) {
          buffer.add(batch);
          buffer.addAll(members.getOrDefault(String.valueOf(batch.get("batch_id")), List.of()));
        }
        buffer.addAll(
            read(
                "artifact",
                "SELECT * FROM artifacts WHERE run_id = ?" + " ORDER BY created_at, artifact_id"));
        phase = Phase.DONE;
      }
      case DONE -> {}
    }
  }

  /** Buffers the records of the next window of rows; false when no row is left. */
  private boolean nextWindow() throws SQLException {
    List<Map<String, Object>> rows =
        read(
            "row",
            "SELECT * FROM rows WHERE run_id = ? AND" + " row_index > ? ORDER BY row_index LIMIT ?",
            runId,
            lastRowIndex,
            rowsPerWindow);
    if (rows.isEmpty()) {
      return false;
    }
    long first = rowIndex(rows.get(0));
    long last = rowIndex(rows.get(rows.size() - 1));
    lastRowIndex = last;
    Object[] window = {runId, runId, first, last};
    Map<String, List<Map<String, Object>>> tokensByRow =
        group(
            read(
                "token",
                "SELECT t.* FROM tokens t WHERE t.run_id = ? AND t.row_id IN ("
                    + WINDOW
                    + ")"
                    + " ORDER BY t.created_at, t.token_id",
                window),
            "row_id");
    Map<String, List<Map<String, Object>>> parents =
        group(
            read(
                "token_parent",
                "SELECT p.* FROM token_parents p JOIN tokens t ON t.token_id = p.token_id"
                    + " WHERE t.run_id = ? AND t.row_id IN ("
                    + WINDOW
                    + ") ORDER BY p.token_id,"
                    + " p.ordinal",
                window),
            "token_id");
    Map<String, List<Map<String, Object>>> outcomes =
        group(
            read(
                "token_outcome",
                "SELECT o.* FROM token_outcomes o JOIN tokens t ON t.token_id = o.token_id"
                    + " WHERE o.run_id = ? AND t.row_id IN ("
                    + WINDOW
                    + ") ORDER BY o.recorded_at,"
                    + " o.outcome_id",
                window),
            "token_id");
    Map<String, List<Map<String, Object>>> states =
        group(
            read(
                "node_state",
                "SELECT s.* FROM node_states s JOIN tokens t ON t.token_id = s.token_id"
                    + " WHERE s.run_id = ? AND t.row_id IN ("
                    + WINDOW
                    + ") ORDER BY s.step_index,"
                    + " s.attempt, s.state_id",
                window),
            "token_id");
    Map<String, List<Map<String, Object>>> routing =
        group(
            read(
                "routing_event",
                "SELECT e.* FROM routing_events e JOIN node_states s ON s.state_id = e.state_id"
                    + " JOIN tokens t ON t.token_id = s.token_id WHERE s.run_id = ? AND t.row_id IN ("
                    + WINDOW
                    + ") ORDER BY e.ordinal, e.routing_group_id, e.event_id",
                window),
            "state_id");
    Map<String, List<Map<String, Object>>> stateCalls =
        group(
            read(
                "call",
                "SELECT k.* FROM calls k JOIN node_states s ON s.state_id = k.state_id"
                    + " JOIN tokens t ON t.token_id = s.token_id WHERE s.run_id = ? AND t.row_id IN ("
                    + WINDOW
                    + ") ORDER BY k.call_index, k.call_id",
                window),
            "state_id");
    for (Map<String, Object> row : rows) {
      buffer.add(row);
      for (Map<String, Object> token :
          tokensByRow.getOrDefault(String.valueOf(row.get("row_id")), List.of())) {
        String tokenId = String.valueOf(token.get("token_id"));
        buffer.add(token);
        buffer.addAll(parents.getOrDefault(tokenId, List.of()));
        buffer.addAll(outcomes.getOrDefault(tokenId, List.of()));
        for (Map<String, Object> state : states.getOrDefault(tokenId, List.of())) {
          String stateId = String.valueOf(state.get("state_id"));
          buffer.add(state);
          buffer.addAll(routing.getOrDefault(stateId, List.of()));
          buffer.addAll(stateCalls.getOrDefault(stateId, List.of()));
        }
      }
    }
    return true;
  }

  /** A row record's index (the column is NOT NULL). */
  private static long rowIndex(Map<String, Object> row) {
    return ((Number) java.util.Objects.requireNonNull(row.get("row_index"), "rows.row_index"))
        .longValue();
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

  /** The records of {@code sql} with {@code parameters}; none given: the run id alone. */
  private List<Map<String, Object>> read(String recordType, String sql, Object... given)
      throws SQLException {
    List<Map<String, Object>> records = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      Object[] parameters = given.length == 0 ? new Object[] {runId} : given;
      for (int i = 0; i < parameters.length; i++) {
        ps.setObject(i + 1, parameters[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        ResultSetMetaData meta = rs.getMetaData();
        int n = meta.getColumnCount();
        String[] columns = new String[n + 1];
        for (int i = 1; i <= n; i++) {
          columns[i] = meta.getColumnLabel(i).toLowerCase(Locale.ROOT);
        }
        while (rs.next()) {
          Map<String, Object> record = new LinkedHashMap<>();
          record.put("record_type", recordType);
          String id = rs.getString(1);
          for (int i = 1; i <= n; i++) {
            String column = columns[i];
            Object value = rs.getObject(i);
            if (column.endsWith("_json")) {
              record.put(
                  column.substring(0, column.length() - "_json".length()),
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

  private static @Nullable Object json(
      @Nullable Object value, String recordType, String id, String column) {
    if (value == null) {
      return null;
    }
    try {
      return CanonicalJson.parse(value.toString());
    } catch (CanonicalizationException e) {
      throw new AuditIntegrityException(
          recordType
              + " "
              + id
              + ": column "
              + column
              + " does not hold valid JSON: "
              + e.getMessage(),
          e);
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
