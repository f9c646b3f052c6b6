package io.elspeth.connectors.database;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.jdbc.JdbcUrl;
import io.elspeth.connectors.operation.OperationCalls;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The database sink's statements on its table, each group recorded as one {@code sql} call
 * (provider {@value DatabaseSinkWriter#PROVIDER}) under the sink_write operation: the table's
 * preparation, then one JDBC batch of INSERTs per batch of rows. A failed group is rolled back and
 * recorded with its SQL state and the driver's message, credentials masked.
 */
final class AuditedTableStatements implements Serializable {
  private final TableSql sql;
  private final DatabaseSinkWriter.IfExists ifExists;
  private final String databaseUri;

  AuditedTableStatements(TableSql sql, DatabaseSinkWriter.IfExists ifExists, String databaseUri) {
    this.sql = sql;
    this.ifExists = ifExists;
    this.databaseUri = databaseUri;
  }

  /**
   * Prepares the table ({@code replace}: dropped and created; {@code append}: created if missing)
   * with columns of {@code types}, and the upsert key's unique index; commits when {@code commit}.
   */
  void prepareTable(Connection c, Map<String, String> types, OperationCalls calls, boolean commit)
      throws SQLException {
    List<String> ddl = new ArrayList<>();
    String quoted = sql.quoteTable();
    if (ifExists == DatabaseSinkWriter.IfExists.REPLACE) {
      ddl.add("DROP TABLE IF EXISTS " + quoted);
    }
    String columns =
        types.entrySet().stream()
            .map(e -> TableSql.quote(e.getKey()) + " " + e.getValue())
            .collect(Collectors.joining(", "));
    if (!columns.isEmpty()) {
      ddl.add("CREATE TABLE IF NOT EXISTS " + quoted + " (" + columns + ")");
    }
    sql.upsertIndexSql().ifPresent(ddl::add);
    if (ddl.isEmpty()) {
      return;
    }
    Map<String, Object> request = request("prepare_table");
    request.put("statements", ddl);
    long t0 = System.nanoTime();
    try (Statement s = c.createStatement()) {
      for (String statement : ddl) {
        s.execute(statement);
      }
      if (commit) {
        c.commit();
      }
    } catch (SQLException e) {
      rollback(c);
      calls.error("sql", request, error(e), millisSince(t0));
      throw e;
    }
    calls.success("sql", request, Map.of("statements", ddl.size()), millisSince(t0));
  }

  /** Inserts {@code batch} as one JDBC batch; commits when {@code commit}. */
  void insertBatch(
      Connection c,
      RowInsert insert,
      List<Map<String, Object>> batch,
      int batchIndex,
      OperationCalls calls,
      boolean commit)
      throws SQLException {
    Map<String, Object> request = request("insert");
    request.put("statement", insert.sql());
    request.put("batch_index", batchIndex);
    request.put("row_count", batch.size());
    request.put("rows_hash", CanonicalJson.stableHash(batch));
    long t0 = System.nanoTime();
    long affected = 0;
    try (PreparedStatement ps = c.prepareStatement(insert.sql())) {
      for (Map<String, Object> row : batch) {
        insert.bind(ps, row);
        ps.addBatch();
      }
      for (int n : ps.executeBatch()) {
        affected += Math.max(n, 0);
      }
      if (commit) {
        c.commit();
      }
    } catch (SQLException e) {
      rollback(c);
      calls.error("sql", request, error(e), millisSince(t0));
      throw e;
    }
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("rows_affected", affected);
    calls.success("sql", request, response, millisSince(t0));
  }

  private Map<String, Object> request(String operation) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("provider", DatabaseSinkWriter.PROVIDER);
    r.put("dialect", sql.dialect().name().toLowerCase(Locale.ROOT));
    r.put("operation", operation);
    r.put("database", databaseUri);
    r.put("table", sql.table());
    return r;
  }

  private static Map<String, Object> error(SQLException e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", e.getClass().getSimpleName());
    m.put("sql_state", String.valueOf(e.getSQLState()));
    m.put("message", JdbcUrl.redact(String.valueOf(e.getMessage())));
    return m;
  }

  private static void rollback(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // The statement's own error is the one to report; the connection is closed next anyway.
    }
  }

  private static double millisSince(long t0) {
    return (System.nanoTime() - t0) / 1e6;
  }
}
