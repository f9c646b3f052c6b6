package io.elspeth.audit.store;

import io.elspeth.audit.record.AuditRecord;
import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import org.postgresql.PGConnection;

/**
 * Inserts one table's records on PostgreSQL at COPY speed, with the idempotency of {@code INSERT
 * ... ON CONFLICT DO NOTHING}: the records are copied into a staging table of the session ({@code
 * elspeth_stage_<table>}, temporary, emptied at every commit), then moved with one {@code INSERT
 * ... SELECT ... ON CONFLICT DO NOTHING RETURNING <key>} in the caller's transaction. The keys
 * returned are the records inserted; the caller checks the others against what is stored, as it
 * does for a batched insert.
 *
 * <p>Staging tables are made once per database session, in auto-commit (so a rolled-back commit
 * never leaves this class believing in a table that is gone), and remembered per physical
 * connection.
 */
final class PostgresCopyInsert {
  private static final Map<PGConnection, Set<String>> STAGED =
      Collections.synchronizedMap(new WeakHashMap<>());

  private PostgresCopyInsert() {}

  static String stagingTable(String table) {
    return "elspeth_stage_" + table;
  }

  /** Makes the staging tables of {@code tables} this session lacks; {@code c} is in auto-commit. */
  static void ensureStaging(Connection c, Set<String> tables) throws SQLException {
    PGConnection pg = c.unwrap(PGConnection.class);
    Set<String> made =
        STAGED.computeIfAbsent(pg, k -> Collections.synchronizedSet(new HashSet<>()));
    for (String table : tables) {
      if (made.contains(table)) {
        continue;
      }
      try (Statement s = c.createStatement()) {
        // LIKE: the table's columns and NOT NULLs, none of its keys, so the copy never conflicts.
        s.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS "
                + stagingTable(table)
                + " (LIKE "
                + table
                + ") ON COMMIT DELETE ROWS");
      }
      made.add(table);
    }
  }

  /**
   * Copies {@code group} (one table, the same columns) into its staging table and inserts what is
   * new; returns how many records of each key were inserted (keys as {@link #key}).
   */
  static Map<String, Integer> insert(Connection c, List<? extends AuditRecord> group)
      throws SQLException {
    AuditRecord first = group.get(0);
    String table = first.table();
    String stage = stagingTable(table);
    List<String> columns = List.copyOf(first.columns().keySet());
    String cols = String.join(", ", columns);
    StringBuilder text = new StringBuilder(group.size() * 256);
    for (AuditRecord r : group) {
      CopyText.appendRow(text, r.columns().values());
    }
    try {
      c.unwrap(PGConnection.class)
          .getCopyAPI()
          .copyIn(
              "COPY " + stage + " (" + cols + ") FROM STDIN", new StringReader(text.toString()));
    } catch (IOException e) {
      throw new SQLException("COPY into " + stage + " failed: " + e.getMessage(), e);
    }
    List<String> keys = first.keyColumns();
    Map<String, Integer> inserted = new HashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO "
                + table
                + " ("
                + cols
                + ") SELECT "
                + cols
                + " FROM "
                + stage
                + " ON CONFLICT DO NOTHING RETURNING "
                + String.join(", ", keys))) {
      try (ResultSet rs = ps.executeQuery()) {
        String[] values = new String[keys.size()];
        while (rs.next()) {
          for (int i = 0; i < values.length; i++) {
            values[i] = rs.getString(i + 1);
          }
          inserted.merge(String.join("\u0000", values), 1, Integer::sum);
        }
      }
    }
    // The staging rows stay until the commit empties the table (cheaper than a TRUNCATE, which
    // makes a new file). Were the table copied into twice in one transaction, the first copy's
    // rows would conflict with themselves the second time: nothing inserted twice.
    return inserted;
  }

  /** The key of a record as {@link #insert} returns it. */
  static String key(AuditRecord r) {
    Map<String, Object> columns = r.columns();
    StringBuilder sb = new StringBuilder();
    for (String k : r.keyColumns()) {
      if (sb.length() > 0) {
        sb.append('\u0000');
      }
      sb.append(columns.get(k));
    }
    return sb.toString();
  }
}
