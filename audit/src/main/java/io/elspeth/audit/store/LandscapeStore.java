package io.elspeth.audit.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.schema.Dialect;
import io.elspeth.audit.schema.LandscapeSchema;
import io.elspeth.audit.schema.SchemaAccess;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The Landscape database: a pooled JDBC connection, the schema, and the one way records are
 * written. {@link #commit} writes a batch of records in one transaction with JDBC batching; records
 * are append-only and idempotent: a record whose key exists with the same content is a no-op (a
 * retried commit), with other content an integrity error.
 *
 * <p>SQLite allows one writer: the pool has one connection, the database runs in WAL mode with a
 * busy timeout, and commits are serialised in this JVM.
 *
 * <p>The driver's settings are {@link LandscapeDriverSettings}'; connections come from {@link
 * LandscapeConnections}, which knows whether the server still answers; each table's records are
 * inserted by {@link LandscapeRecordInserter}.
 */
public final class LandscapeStore implements AutoCloseable {
  private final LandscapeUrl url;

  private final LandscapeConnections connections;
  private final LandscapeRecordInserter inserter;
  private final Object writeLock = new Object();

  /** The run's change journal ({@code landscape.dump_to_jsonl}); null when there is none. */
  private volatile io.elspeth.audit.journal.@Nullable LandscapeJournal journal;

  private LandscapeStore(LandscapeUrl url, LandscapeConnections connections) {
    this.url = url;
    this.connections = connections;
    this.inserter = new LandscapeRecordInserter(url.dialect());
  }

  /**
   * Opens the database and checks its schema ({@link SchemaAccess#CHECK}): what every opener but
   * the launcher does.
   */
  public static LandscapeStore open(LandscapeUrl url) {
    return open(url, SchemaAccess.CHECK);
  }

  /**
   * Opens the database and migrates ({@link SchemaAccess#MIGRATE}, the launcher, once per start) or
   * checks its schema.
   */
  public static LandscapeStore open(LandscapeUrl url, SchemaAccess access) {
    LandscapeDriverSettings.createSqliteFolder(url);
    Duration silence = LandscapeDriverSettings.silenceTimeout(url);
    String driverUrl = LandscapeDriverSettings.driverUrl(url);
    HikariConfig config = LandscapeDriverSettings.poolConfig(url, driverUrl);
    HikariDataSource ds;
    try {
      ds = new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw new LandscapeWriteException(
          "cannot open the Landscape database " + url + ": " + rootMessage(e), e);
    }
    LandscapeStore store =
        new LandscapeStore(url, new LandscapeConnections(url, driverUrl, ds, silence));
    try {
      store.applySchema(access);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    return store;
  }

  /**
   * Migrates or checks the schema of this open store ({@link LandscapeSchema#apply}); the launcher
   * calls it with {@link SchemaAccess#MIGRATE} when the store was already open in its JVM.
   */
  public void applySchema(SchemaAccess access) {
    try {
      LandscapeSchema.apply(connections.dataSource(), access);
    } catch (SQLException e) {
      throw new LandscapeWriteException(
          "cannot create or check the Landscape schema in " + url + ": " + rootMessage(e), e);
    }
  }

  public LandscapeUrl url() {
    return url;
  }

  public Dialect dialect() {
    return url.dialect();
  }

  /** A connection for reads (lineage, reconciliation); the caller closes it. */
  public Connection connection() throws SQLException {
    return connections.pooled();
  }

  /**
   * A connection of its own, outside the pool, for a reader that keeps it for the whole run (the
   * progress poller): with the driver's settings of the pool's connections, and watched for a
   * silent server as they are. The caller closes it.
   */
  public Connection separateConnection() throws SQLException {
    return connections.separate();
  }

  /**
   * Whether the database accepts a new connection now, tried outside the pool within a few seconds
   * (always true for SQLite, a local file).
   */
  public boolean reachable() {
    return connections.reachable();
  }

  /**
   * Writes the records in one transaction, parents before children. Returns how many were new (the
   * rest were already there with the same content).
   */
  public int commit(List<? extends AuditRecord> records) {
    return commitNew(records).size();
  }

  /**
   * Writes the records in one transaction, parents before children, and returns the records this
   * transaction inserted (a node state of a retried visit recorded as its next attempt counts as
   * inserted), in parent-before-child order; the ones already there with the same content are left
   * out, so a retried bundle's re-commit returns nothing. When the driver cannot say whether a
   * batched row was inserted, the record counts as inserted.
   */
  public List<AuditRecord> commitNew(List<? extends AuditRecord> records) {
    if (records.isEmpty()) {
      return List.of();
    }
    List<AuditRecord> ordered = new ArrayList<>(records);
    ordered.sort(Comparator.comparingInt(AuditRecord::rank));
    Map<String, List<AuditRecord>> byTable =
        ordered.stream()
            .collect(
                Collectors.groupingBy(AuditRecord::table, LinkedHashMap::new, Collectors.toList()));
    // SQLite has one writer: commits are serialised in this JVM. PostgreSQL takes concurrent
    // transactions from the pool.
    if (dialect() == Dialect.SQLITE) {
      synchronized (writeLock) {
        return commitOrdered(byTable, records.size());
      }
    }
    return commitOrdered(byTable, records.size());
  }

  /**
   * Journals every write of this store from now on to {@code options}' file, after the write
   * committed (null: no journal). The launcher sets it for the run; every writer of this JVM shares
   * the store, and so the journal.
   */
  public void useJournal(io.elspeth.audit.journal.LandscapeJournal.@Nullable Options options) {
    io.elspeth.audit.journal.LandscapeJournal current = journal;
    if (options == null) {
      journal = null;
    } else if (current == null || !current.options().equals(options)) {
      journal = new io.elspeth.audit.journal.LandscapeJournal(options);
    }
  }

  private List<AuditRecord> commitOrdered(Map<String, List<AuditRecord>> byTable, int size) {
    List<AuditRecord> inserted = insertOrdered(byTable, size);
    // After the commit, never before: the journal must not hold a write that was rolled back.
    io.elspeth.audit.journal.LandscapeJournal j = journal;
    if (j != null) {
      j.inserted(inserted);
    }
    return inserted;
  }

  private List<AuditRecord> insertOrdered(Map<String, List<AuditRecord>> byTable, int size) {
    return transaction(
        "Landscape commit of " + size + " records to " + url + " failed",
        c -> {
          if (dialect() == Dialect.POSTGRESQL) {
            PostgresCopyInsert.ensureStaging(c, byTable.keySet());
          }
          return byTable.keySet();
        },
        c -> {
          List<AuditRecord> inserted = new ArrayList<>(size);
          for (List<AuditRecord> group : byTable.values()) {
            inserter.insertGroup(c, group, inserted);
          }
          return inserted;
        });
  }

  /**
   * Ends a run: sets its terminal status and completion time, only while it is still running
   * (terminal runs are immutable).
   */
  public boolean completeRun(String runId, String status, Instant completedAt) {
    return update("complete run " + runId, COMPLETE_RUN, List.of(status, completedAt, runId)) == 1;
  }

  private static final String COMPLETE_RUN =
      "UPDATE runs SET status = ?, completed_at = ?"
          + " WHERE run_id = ? AND status NOT IN ('completed', 'failed', 'interrupted')";

  /**
   * As {@link #completeRun(String, String, Instant)}, with {@code alongside} written in the same
   * transaction when the run was still running (the launcher records the run's aggregates so: a
   * completed run always has them). Either both commit or neither does.
   */
  public boolean completeRun(
      String runId, String status, Instant completedAt, TransactionWork<?> alongside) {
    List<Object> parameters = List.of(status, completedAt, runId);
    boolean completed;
    synchronized (writeLock) {
      completed =
          transaction(
              "cannot complete run " + runId + " in " + url,
              null,
              c -> {
                int changed;
                try (PreparedStatement ps = c.prepareStatement(COMPLETE_RUN)) {
                  for (int i = 0; i < parameters.size(); i++) {
                    SqlValues.bind(ps, i + 1, parameters.get(i), dialect());
                  }
                  changed = ps.executeUpdate();
                }
                if (changed == 1) {
                  alongside.apply(c);
                }
                return changed == 1;
              });
      // The journal keeps ELSPETH's statements: the run's status, not our derived aggregates.
      io.elspeth.audit.journal.LandscapeJournal j = journal;
      if (j != null && completed) {
        j.statement(COMPLETE_RUN, parameters);
      }
    }
    return completed;
  }

  /**
   * Records the post-run export's progress on a run (ELSPETH's {@code set_export_status}): {@code
   * pending} with its format and sink, then {@code completed} (with the time) or {@code failed}
   * with the error.
   */
  public void setExportStatus(
      String runId,
      String status,
      @Nullable String error,
      @Nullable String format,
      @Nullable String sink,
      Instant at) {
    switch (status) {
      case "pending" ->
          update(
              "set the export status of run " + runId,
              "UPDATE runs SET"
                  + " export_status = ?, export_error = NULL, export_format = ?, export_sink = ?"
                  + " WHERE run_id = ?",
              java.util.Arrays.asList(status, format, sink, runId));
      case "completed" ->
          update(
              "set the export status of run " + runId,
              "UPDATE runs SET"
                  + " export_status = ?, export_error = NULL, exported_at = ? WHERE run_id = ?",
              List.of(status, at, runId));
      case "failed" ->
          update(
              "set the export status of run " + runId,
              "UPDATE runs SET" + " export_status = ?, export_error = ? WHERE run_id = ?",
              java.util.Arrays.asList(status, error, runId));
      default ->
          throw new IllegalArgumentException(
              "export status must be pending, completed" + " or failed, got " + status);
    }
  }

  /** One UPDATE in its own transaction, journaled after it commits; returns the rows changed. */
  private int update(String what, String sql, List<Object> parameters) {
    int changed;
    synchronized (writeLock) {
      try (Connection c = connections.pooled();
          PreparedStatement ps = c.prepareStatement(sql)) {
        for (int i = 0; i < parameters.size(); i++) {
          SqlValues.bind(ps, i + 1, parameters.get(i), dialect());
        }
        changed = ps.executeUpdate();
      } catch (SQLException e) {
        connections.noteFailure(e);
        throw new LandscapeWriteException(
            "cannot " + what + " in " + url + ": " + rootMessage(e), e);
      }
      io.elspeth.audit.journal.LandscapeJournal j = journal;
      if (j != null && changed > 0) {
        j.statement(sql, parameters);
      }
    }
    return changed;
  }

  /** Work on one connection inside a transaction. */
  @FunctionalInterface
  public interface TransactionWork<T> {
    T apply(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction (committed when it returns, rolled back when it throws),
   * serialised with the other writers of this JVM on SQLite. For the few writes that are not
   * append-only audit records: leases, resume claims, sink publications.
   */
  public <T> T inTransaction(String what, TransactionWork<T> work) {
    String failure = "cannot " + what + " in " + url;
    if (dialect() == Dialect.SQLITE) {
      synchronized (writeLock) {
        return transaction(failure, null, work);
      }
    }
    return transaction(failure, null, work);
  }

  /**
   * Runs {@code work} in one transaction on a connection of the pool, after {@code prepare}
   * (outside the transaction); a failure is a LandscapeWriteException saying {@code failure}.
   */
  private <T> T transaction(
      String failure, @Nullable TransactionWork<?> prepare, TransactionWork<T> work) {
    try (Connection c = connections.pooled()) {
      if (prepare != null) {
        prepare.apply(c);
      }
      c.setAutoCommit(false);
      try {
        T result = work.apply(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      connections.noteFailure(e);
      throw new LandscapeWriteException(failure + ": " + rootMessage(e), e);
    }
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return LandscapeUrl.redact(m);
  }

  @Override
  public void close() {
    connections.close();
  }
}
