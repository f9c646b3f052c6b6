package io.elspeth.audit.store;

import static io.elspeth.audit.store.LandscapeStore.rootMessage;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.schema.Dialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inserts one table's group of audit records inside a {@link LandscapeStore#commitNew} transaction,
 * idempotently: a record whose key exists with the same content is a no-op (a retried commit), with
 * other content an integrity error.
 */
final class LandscapeRecordInserter {
  private static final Logger LOG = LoggerFactory.getLogger(LandscapeRecordInserter.class);

  /**
   * Columns a retried attempt legitimately records differently for the same fact (when it happened,
   * how long it took, which attempt it was); ignored when checking that a record already committed
   * is the same record.
   */
  private static final Set<String> VOLATILE_COLUMNS =
      Set.of(
          "created_at",
          "recorded_at",
          "started_at",
          "completed_at",
          "registered_at",
          "duration_ms",
          "latency_ms",
          "attempt");

  private final Dialect dialect;

  LandscapeRecordInserter(Dialect dialect) {
    this.dialect = dialect;
  }

  private Dialect dialect() {
    return dialect;
  }

  /**
   * Inserts {@code group} (records of one table) on {@code c}, adding to {@code inserted} the ones
   * this transaction wrote.
   */
  void insertGroup(Connection c, List<AuditRecord> group, List<AuditRecord> inserted)
      throws SQLException {
    if (dialect() == Dialect.POSTGRESQL) {
      copyGroup(c, group, inserted);
      return;
    }
    AuditRecord first = group.get(0);
    List<String> columns = new ArrayList<>(first.columns().keySet());
    String sql =
        "INSERT INTO "
            + first.table()
            + " ("
            + String.join(", ", columns)
            + ") VALUES ("
            + String.join(", ", columns.stream().map(x -> "?").toList())
            + ") ON CONFLICT DO NOTHING";
    int[] counts;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (AuditRecord r : group) {
        int i = 1;
        for (Object v : r.columns().values()) {
          SqlValues.bind(ps, i++, v, dialect());
        }
        ps.addBatch();
      }
      try {
        counts = ps.executeBatch();
      } catch (SQLException e) {
        throw new LandscapeIntegrityException(
            "Landscape refused a " + first.table() + " record: " + rootMessage(e), e);
      }
    }
    for (int i = 0; i < group.size(); i++) {
      // 0: the key was there (ON CONFLICT DO NOTHING); SUCCESS_NO_INFO counts as inserted.
      if (counts[i] == 0) {
        if (verifyIdentical(c, group.get(i))) {
          inserted.add(group.get(i));
        }
      } else {
        inserted.add(group.get(i));
      }
    }
  }

  /**
   * PostgreSQL: the group goes in through COPY and one idempotent INSERT ... SELECT ({@link
   * PostgresCopyInsert}); a record it did not insert is checked as a skipped batched insert is.
   */
  private void copyGroup(Connection c, List<AuditRecord> group, List<AuditRecord> inserted)
      throws SQLException {
    Map<String, Integer> keys;
    try {
      keys = PostgresCopyInsert.insert(c, group);
    } catch (SQLException e) {
      throw new LandscapeIntegrityException(
          "Landscape refused a " + group.get(0).table() + " record: " + rootMessage(e), e);
    }
    for (AuditRecord r : group) {
      String key = PostgresCopyInsert.key(r);
      Integer n = keys.get(key);
      if (n != null) {
        // The first record of a key in the group is the one inserted; a repeat is checked.
        if (n == 1) {
          keys.remove(key);
        } else {
          keys.put(key, n - 1);
        }
        inserted.add(r);
      } else if (verifyIdentical(c, r)) {
        inserted.add(r);
      }
    }
  }

  /**
   * A skipped insert is fine only when the stored row has exactly this content. Returns true when
   * the record was written after all (a retried visit's state, as the next attempt).
   */
  private boolean verifyIdentical(Connection c, AuditRecord record) throws SQLException {
    Map<String, Object> columns = record.columns();
    String where =
        record.keyColumns().stream().map(k -> k + " = ?").collect(Collectors.joining(" AND "));
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT "
                + String.join(", ", columns.keySet())
                + " FROM "
                + record.table()
                + " WHERE "
                + where)) {
      int i = 1;
      for (String k : record.keyColumns()) {
        SqlValues.bind(ps, i++, columns.get(k), dialect());
      }
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          if (record instanceof NodeStateRecord state) {
            insertAsNextAttempt(c, state);
            return true;
          }
          throw new LandscapeIntegrityException(
              "Landscape refused a "
                  + record.table()
                  + " record "
                  + keyOf(record)
                  + ": it conflicts with another record on a unique"
                  + " constraint (for token_outcomes: a second terminal outcome for one token)");
        }
        int col = 1;
        for (Map.Entry<String, Object> e : columns.entrySet()) {
          Object storedValue = rs.getObject(col++);
          if (VOLATILE_COLUMNS.contains(e.getKey())) {
            continue;
          }
          String stored = SqlValues.comparable(storedValue);
          String mine = SqlValues.comparable(e.getValue());
          if (!Objects.equals(stored, mine)) {
            throw new LandscapeIntegrityException(
                "Landscape integrity error: "
                    + record.table()
                    + " "
                    + keyOf(record)
                    + " exists with different content in column "
                    + e.getKey());
          }
        }
      }
    }
    LOG.debug("landscape record already committed table={} key={}", record.table(), keyOf(record));
    return false;
  }

  /**
   * A retried bundle visits the same token at the same step with a new state id: the visit is
   * recorded as the next attempt, so the abandoned attempt stays as a state no outcome refers to.
   */
  private void insertAsNextAttempt(Connection c, NodeStateRecord state) throws SQLException {
    int attempt;
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT COALESCE(MAX(attempt), -1) + 1 FROM"
                + " node_states WHERE token_id = ? AND (step_index = ? OR node_id = ?)")) {
      ps.setString(1, state.tokenId());
      ps.setInt(2, state.stepIndex());
      ps.setString(3, state.nodeId());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        attempt = rs.getInt(1);
      }
    }
    NodeStateRecord next = state.withAttempt(attempt);
    Map<String, Object> columns = next.columns();
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO node_states ("
                + String.join(", ", columns.keySet())
                + ") VALUES ("
                + String.join(", ", columns.keySet().stream().map(x -> "?").toList())
                + ")")) {
      int i = 1;
      for (Object v : columns.values()) {
        SqlValues.bind(ps, i++, v, dialect());
      }
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new LandscapeIntegrityException(
          "Landscape refused node state "
              + state.stateId()
              + " as attempt "
              + attempt
              + ": "
              + rootMessage(e),
          e);
    }
    LOG.info(
        "node state recorded as a retry attempt state_id={} token_id={} attempt={}",
        state.stateId(),
        state.tokenId(),
        attempt);
  }

  private static String keyOf(AuditRecord r) {
    Map<String, Object> cols = r.columns();
    return r.keyColumns().stream()
        .map(k -> k + "=" + cols.get(k))
        .collect(Collectors.joining(",", "(", ")"));
  }
}
