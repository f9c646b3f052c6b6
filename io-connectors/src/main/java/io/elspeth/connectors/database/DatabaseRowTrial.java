package io.elspeth.connectors.database;

import io.elspeth.audit.schema.Dialect;
import io.elspeth.connectors.sink.SinkWriter;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Asks the database which rows an existing table refuses (NOT NULL, PRIMARY KEY and UNIQUE, CHECK,
 * FOREIGN KEY, a value too long for VARCHAR(n) or out of its numeric range, text of the wrong type
 * on PostgreSQL or in a SQLite STRICT table), by inserting them, exactly as the write will, in a
 * transaction that is always rolled back.
 *
 * <p>The rows go in batches of the sink's {@code batch_size}, each one JDBC batch behind a
 * savepoint: a batch that passes stays in the transaction, so a later row repeating its key is
 * refused (the first in source order is kept, as the write would keep it). Only a batch that fails
 * is rolled back to its savepoint and halved, each half tried the same way, down to a few rows
 * tried one by one behind their own savepoints, to find the refused ones. On PostgreSQL deferred
 * constraints are made immediate so that they are checked per row, not at a commit that never
 * comes.
 *
 * <p>A refusal's reason is the database's message, first line only (PostgreSQL's DETAIL line
 * repeats the row's values), credentials masked, at most {@value #MAX_REASON} characters. An error
 * that is not about the row (a missing column, a lost connection) fails the check.
 */
final class DatabaseRowTrial implements SinkWriter.TargetCheck {
  static final int MAX_REASON = 1000;

  /** A failing batch of at most this many rows is tried row by row. */
  private static final int ONE_BY_ONE = 8;

  /** SQLite's primary result codes of a refused row: SQLITE_TOOBIG, _CONSTRAINT, _MISMATCH. */
  private static final List<Integer> SQLITE_ROW_ERRORS = List.of(18, 19, 20);

  private final DatabaseSinkWriter writer;
  private final int batchSize;

  DatabaseRowTrial(DatabaseSinkWriter writer, int batchSize) {
    this.writer = writer;
    this.batchSize = batchSize;
  }

  /** The trial borrows its connection from the writer's pool: set up with the checking DoFn. */
  @Override
  public void setup() {
    writer.setup();
  }

  @Override
  public void teardown() {
    writer.teardown();
  }

  @Override
  public SortedMap<Long, String> refused(Iterable<Map<String, Object>> rows) throws IOException {
    SortedMap<Long, String> refused = new TreeMap<>();
    try (SinkConnectionPool.Lease lease = writer.lease();
        Connection c = lease.connection()) {
      c.setAutoCommit(false);
      try {
        if (!tableExists(c)) {
          // The write creates it from the rows' types: nothing but the types to refuse a row.
          return refused;
        }
        RowInsert insert = writer.insertOf(rows);
        if (insert.fields().isEmpty()) {
          return refused;
        }
        try (Statement s = c.createStatement()) {
          if (writer.dialect() == Dialect.POSTGRESQL) {
            s.execute("SET CONSTRAINTS ALL IMMEDIATE");
          }
          for (String ddl : writer.upsertIndexSql().stream().toList()) {
            s.execute(ddl);
          }
        }
        try (PreparedStatement ps = c.prepareStatement(insert.sql())) {
          List<Map<String, Object>> batch = new ArrayList<>(batchSize);
          long first = 0;
          for (Map<String, Object> row : rows) {
            batch.add(row);
            if (batch.size() == batchSize) {
              tryBatch(c, ps, insert, batch, first, refused);
              first += batch.size();
              batch.clear();
            }
          }
          if (!batch.isEmpty()) {
            tryBatch(c, ps, insert, batch, first, refused);
          }
        }
      } finally {
        c.rollback();
      }
    } catch (SQLException e) {
      throw new IOException(
          "cannot try the rows on table '"
              + writer.table()
              + "' of "
              + writer.databaseUri()
              + ": "
              + firstLine(e));
    }
    return refused;
  }

  /**
   * Tries {@code rows} (at {@code first} in the sink's rows) as one JDBC batch behind a savepoint;
   * a failing batch is rolled back and halved until the refused rows are found (a batch with one
   * bad row costs some 2·log2(size) smaller batches, not a statement per row), the last few rows
   * one by one.
   */
  private void tryBatch(
      Connection c,
      PreparedStatement ps,
      RowInsert insert,
      List<Map<String, Object>> rows,
      long first,
      SortedMap<Long, String> refused)
      throws SQLException {
    Savepoint whole = c.setSavepoint();
    try {
      for (Map<String, Object> row : rows) {
        insert.bind(ps, row);
        ps.addBatch();
      }
      ps.executeBatch();
      c.releaseSavepoint(whole);
      return;
    } catch (SQLException e) {
      ps.clearBatch();
      c.rollback(whole);
    }
    if (rows.size() <= ONE_BY_ONE) {
      tryEach(c, ps, insert, rows, first, refused);
      return;
    }
    int half = rows.size() / 2;
    tryBatch(c, ps, insert, rows.subList(0, half), first, refused);
    tryBatch(c, ps, insert, rows.subList(half, rows.size()), first + half, refused);
  }

  private void tryEach(
      Connection c,
      PreparedStatement ps,
      RowInsert insert,
      List<Map<String, Object>> rows,
      long first,
      SortedMap<Long, String> refused)
      throws SQLException {
    long position = first;
    for (Map<String, Object> row : rows) {
      Savepoint one = c.setSavepoint();
      try {
        insert.bind(ps, row);
        ps.executeUpdate();
        c.releaseSavepoint(one);
      } catch (SQLException e) {
        c.rollback(one);
        if (!refusesTheRow(e)) {
          throw e;
        }
        refused.put(position, "table '" + writer.table() + "' refused the row: " + firstLine(e));
      }
      position++;
    }
  }

  /** Whether {@code e} is about the row's values rather than the table or the connection. */
  private boolean refusesTheRow(SQLException e) {
    if (writer.dialect() == Dialect.POSTGRESQL) {
      // Class 23: integrity constraint violation; class 22: data exception (too long, out of
      // range, invalid text for the column's type).
      String state = String.valueOf(e.getSQLState());
      return state.startsWith("23") || state.startsWith("22");
    }
    return SQLITE_ROW_ERRORS.contains(e.getErrorCode() & 0xff);
  }

  private static String firstLine(SQLException e) {
    String m = DatabaseSinkWriter.messageOf(e).strip();
    int newline = m.indexOf('\n');
    if (newline >= 0) {
      m = m.substring(0, newline).strip();
    }
    return m.length() > MAX_REASON ? m.substring(0, MAX_REASON) + "..." : m;
  }

  /** Whether the table exists: a probe behind a savepoint, so a missing table spoils nothing. */
  private boolean tableExists(Connection c) throws SQLException {
    Savepoint probe = c.setSavepoint();
    try (Statement s = c.createStatement()) {
      s.executeQuery("SELECT 1 FROM " + writer.quoteTable() + " WHERE 1 = 0").close();
      c.releaseSavepoint(probe);
      return true;
    } catch (SQLException e) {
      c.rollback(probe);
      return false;
    }
  }
}
