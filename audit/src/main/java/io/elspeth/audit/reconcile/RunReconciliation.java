package io.elspeth.audit.reconcile;

import io.elspeth.audit.store.PlannerStatistics;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks, in the Landscape itself, that a finished run accounts for everything: every source row
 * has a token, every token exactly one terminal outcome (but the source tokens of attempts a runner
 * abandoned and restarted, which no outcome refers to), every row one finishing attempt, every
 * completed or routed token a sink artifact, every fork, join and expand child its parent links,
 * every batch member and batch outcome a batch and token of the run; and counts the outcomes per
 * sink for the run summary.
 *
 * @param rows source rows recorded (valid and quarantined)
 * @param discarded rows rejected at the source and discarded (validation errors only)
 * @param outcomes terminal outcomes by "outcome" or "outcome@sink"
 * @param problems broken invariants; empty when the run reconciles
 */
public record RunReconciliation(
    long rows, long tokens, long discarded, Map<String, Long> outcomes, List<String> problems) {

  private static final Logger LOG = LoggerFactory.getLogger(RunReconciliation.class);

  /** A token minted by the source (no parents, no fork, join or expand group); SQL on {@code t}. */
  private static final String SOURCE_TOKEN =
      "t.fork_group_id IS NULL AND t.join_group_id IS NULL"
          + " AND t.expand_group_id IS NULL AND NOT EXISTS (SELECT 1 FROM token_parents p WHERE"
          + " p.token_id = t.token_id)";

  /** The rows of the run (parameter) that a source token finished (reached a terminal outcome). */
  private static final String FINISHED_ROWS =
      "SELECT u.row_id FROM tokens u JOIN token_outcomes uo"
          + " ON uo.token_id = u.token_id AND uo.is_terminal = 1 WHERE u.run_id = ? AND"
          + " u.fork_group_id IS NULL AND u.join_group_id IS NULL AND u.expand_group_id IS NULL AND NOT"
          + " EXISTS (SELECT 1 FROM token_parents q WHERE q.token_id = u.token_id)";

  /**
   * SQL condition on a token {@code t}: a source token of an attempt a runner abandoned and
   * restarted (Flink re-reads the source with new token ids), with no outcome at all, whose row
   * another source token finished. It is an attempt, not an unfinished row: reconciliation and the
   * resume's finished rows both leave it out.
   */
  public static final String ABANDONED_SOURCE_ATTEMPT =
      SOURCE_TOKEN
          + " AND NOT EXISTS (SELECT 1"
          + " FROM token_outcomes ao WHERE ao.token_id = t.token_id) AND EXISTS (SELECT 1 FROM tokens u"
          + " JOIN token_outcomes uo ON uo.token_id = u.token_id AND uo.is_terminal = 1 WHERE"
          + " u.row_id = t.row_id AND u.fork_group_id IS NULL AND u.join_group_id IS NULL AND"
          + " u.expand_group_id IS NULL AND NOT EXISTS (SELECT 1 FROM token_parents q WHERE"
          + " q.token_id = u.token_id))";

  public boolean reconciles() {
    return problems.isEmpty();
  }

  /** Opens another connection to the same Landscape, for a check run beside the others. */
  @FunctionalInterface
  public interface Connections {
    Connection open() throws SQLException;
  }

  /**
   * Reads the run's counts and checks its invariants on one connection, after refreshing the
   * planner's statistics ({@link PlannerStatistics}) so that every check is planned for the size
   * the run has.
   */
  public static RunReconciliation of(Connection c, String runId) throws SQLException {
    return of(c, runId, null, 1);
  }

  /**
   * As {@link #of(Connection, String)}, with the checks shared among {@code workers} connections
   * ({@code c} and {@code workers - 1} opened from {@code more}): each check is a scan of one table
   * of the run, independent of the others, and reading them side by side takes the run's
   * reconciliation from the sum of the scans towards the longest (a million-row run on SQLite spent
   * 13 s in them on one connection).
   */
  public static RunReconciliation of(
      Connection c, String runId, @Nullable Connections more, int workers) throws SQLException {
    PlannerStatistics.refresh(c);
    try (Session first = Session.of(c, false)) {
      Counts counts = counts(c, runId);
      List<Check> checks = checks();
      long[] found = new long[checks.size()];
      long[] finishedRows = new long[1];
      runChecks(
          first, runId, checks, found, finishedRows, more == null ? 1 : Math.max(1, workers), more);
      found[indexOf(checks, ROWS_UNFINISHED)] =
          unfinishedRows(
              c, runId, counts.rows, finishedRows[0], found[indexOf(checks, TOKENS_ROWLESS)]);
      List<String> problems = new ArrayList<>();
      for (int i = 0; i < checks.size(); i++) {
        if (found[i] > 0) {
          problems.add(found[i] + " " + checks.get(i).what());
        }
      }
      // Implied by "rows have no finished token" finding none, so read only when it found some.
      if (found[indexOf(checks, ROWS_UNFINISHED)] > 0) {
        long tokenless =
            timedCount(
                c,
                "source rows have no token",
                "SELECT COUNT(*) FROM rows r"
                    + " WHERE r.run_id = ? AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.row_id ="
                    + " r.row_id)",
                runId);
        if (tokenless > 0) {
          problems.add(0, tokenless + " source rows have no token");
        }
      }
      return new RunReconciliation(
          counts.rows, counts.tokens, counts.discarded, counts.outcomes, problems);
    }
  }

  /**
   * A connection set up for the checks, and put back as it was when closed (pooled connections go
   * back to their pool). PostgreSQL compiles a query costed above jit_above_cost with LLVM: about
   * 0.7 s for one of these checks at 100,000 rows, more than the check itself takes to run, and
   * each runs once.
   */
  private record Session(Connection connection, boolean postgres, boolean owned)
      implements AutoCloseable {
    static Session of(Connection c, boolean owned) throws SQLException {
      boolean postgres = "PostgreSQL".equalsIgnoreCase(c.getMetaData().getDatabaseProductName());
      if (postgres) {
        execute(c, "SET jit = off");
      } else {
        // The checks read a run's tables through their indexes, page by page: mapped, a page is
        // read from the file system's cache without a read(2) and a copy each (SQLite caps the
        // size at what it was built to allow).
        execute(c, "PRAGMA mmap_size = " + MAPPED_BYTES);
      }
      return new Session(c, postgres, owned);
    }

    @Override
    public void close() throws SQLException {
      try {
        if (!owned) {
          execute(connection, postgres ? "RESET jit" : "PRAGMA mmap_size = 0");
        }
      } finally {
        if (owned) {
          connection.close();
        }
      }
    }
  }

  /**
   * The rows of the run no token finished. When every token of the run names a row of the run, the
   * rows its source tokens finished are rows of the run, and a row no source token finished is the
   * difference of two counts already read: 0 there means the exact query (a row no token of any
   * kind finished, a subset) finds none, and the rows-to-tokens anti-join, a third of a million-row
   * run's reconciliation on SQLite, is read only when something is wrong.
   */
  private static long unfinishedRows(
      Connection c, String runId, long rows, long finishedRows, long rowlessTokens)
      throws SQLException {
    if (rowlessTokens == 0 && finishedRows >= rows) {
      return 0;
    }
    return timedCount(c, ROWS_UNFINISHED, ROWS_UNFINISHED_SQL, runId);
  }

  /** The largest SQLite file the checks map into memory (64 GiB). */
  private static final long MAPPED_BYTES = 64L << 30;

  private static int indexOf(List<Check> checks, String what) {
    for (int i = 0; i < checks.size(); i++) {
      if (checks.get(i).what().equals(what)) {
        return i;
      }
    }
    throw new IllegalStateException("no check " + what);
  }

  /** Runs the checks from a shared queue on {@code workers} connections; counts into found. */
  private static void runChecks(
      Session first,
      String runId,
      List<Check> checks,
      long[] found,
      long[] finishedRows,
      int workers,
      @Nullable Connections more)
      throws SQLException {
    AtomicInteger next = new AtomicInteger();
    if (workers == 1 || more == null) {
      drain(first.connection(), runId, checks, found, finishedRows, next);
      return;
    }
    Connections extra = more;
    ExecutorService pool =
        Executors.newFixedThreadPool(
            workers - 1,
            r -> {
              Thread t = new Thread(r, "reconciliation");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<?>> others = new ArrayList<>();
      for (int w = 1; w < workers; w++) {
        others.add(
            pool.submit(
                () -> {
                  try (Session own = Session.of(extra.open(), true)) {
                    drain(own.connection(), runId, checks, found, finishedRows, next);
                  }
                  return null;
                }));
      }
      drain(first.connection(), runId, checks, found, finishedRows, next);
      for (Future<?> other : others) {
        try {
          other.get();
        } catch (ExecutionException e) {
          if (e.getCause() instanceof SQLException sql) {
            throw sql;
          }
          throw new SQLException("reconciliation check failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new SQLException("interrupted while reconciling", e);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static void drain(
      Connection c,
      String runId,
      List<Check> checks,
      long[] found,
      long[] finishedRows,
      AtomicInteger next)
      throws SQLException {
    for (int i = next.getAndIncrement(); i < checks.size(); i = next.getAndIncrement()) {
      Check check = checks.get(i);
      if (check.derived()) {
        continue;
      }
      long[] columns = timedColumns(c, check.what(), check.sql(), runId);
      found[i] = columns[0];
      if (check.what().equals(MULTI_FINISHED)) {
        finishedRows[0] = columns[1];
      }
    }
  }

  private static void execute(Connection c, String sql) throws SQLException {
    try (java.sql.Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private record Counts(long rows, long tokens, long discarded, Map<String, Long> outcomes) {}

  private static Counts counts(Connection c, String runId) throws SQLException {
    long rows = count(c, "SELECT COUNT(*) FROM rows WHERE run_id = ?", runId);
    long tokens = count(c, "SELECT COUNT(*) FROM tokens WHERE run_id = ?", runId);
    long discarded =
        count(
            c,
            "SELECT COUNT(*) FROM validation_errors WHERE run_id = ? AND destination = 'discard'",
            runId);
    Map<String, Long> outcomes = new LinkedHashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT outcome, sink_name, COUNT(*) FROM"
                + " token_outcomes WHERE run_id = ? AND is_terminal = 1 GROUP BY outcome, sink_name"
                + " ORDER BY outcome, sink_name")) {
      ps.setString(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String sink = rs.getString(2);
          outcomes.put(rs.getString(1) + (sink == null ? "" : "@" + sink), rs.getLong(3));
        }
      }
    }
    return new Counts(rows, tokens, discarded, outcomes);
  }

  /**
   * A check: the query (every {@code ?} the run id) counts what it names; 0 is sound. A derived
   * check is not run with the others: its count follows from theirs ({@link #of}).
   */
  private record Check(String what, String sql, boolean derived) {
    Check(String what, String sql) {
      this(what, sql, false);
    }
  }

  /** The check whose finding none implies that every source row has a token. */
  private static final String ROWS_UNFINISHED = "rows have no finished token";

  private static final String ROWS_UNFINISHED_SQL =
      "SELECT COUNT(*) FROM rows r WHERE"
          + " r.run_id = ? AND NOT EXISTS (SELECT 1 FROM tokens t JOIN token_outcomes o ON"
          + " o.token_id = t.token_id AND o.is_terminal = 1 WHERE t.row_id = r.row_id)";

  /** The check whose second column counts the rows a source token of the run finished. */
  private static final String MULTI_FINISHED = "rows were finished by more than one source attempt";

  /** The check that every token's row is a row of the run. */
  private static final String TOKENS_ROWLESS = "tokens name a row that is not in this run";

  /** The run's invariants, the longest scans first (they are shared among connections). */
  private static List<Check> checks() {
    List<Check> checks = new ArrayList<>();
    // A runner that restarts a failed task (Flink) re-reads the source with new token ids; what
    // the abandoned attempt committed stays: a source token without any outcome, of a row that
    // another source token finished. It is an attempt, not a lost row.
    // NOT EXISTS on the terminal-outcome index: SQLite 3.50 plans a LEFT JOIN to a materialised
    // DISTINCT without an index, a scan per token (16 s for 20,000 tokens).
    checks.add(
        new Check(
            "tokens have no terminal outcome",
            "SELECT COUNT(*) FROM"
                + " tokens t WHERE t.run_id = ? AND NOT EXISTS (SELECT 1 FROM token_outcomes f WHERE"
                + " f.token_id = t.token_id AND f.is_terminal = 1 AND f.run_id = t.run_id) AND NOT ("
                + SOURCE_TOKEN
                + " AND NOT EXISTS (SELECT 1 FROM token_outcomes o"
                + " WHERE o.token_id = t.token_id) AND t.row_id IN ("
                + FINISHED_ROWS
                + "))"));
    // One pass over the finished source tokens answers two questions: how many rows more than one
    // attempt finished (first column), and how many rows were finished at all (second column),
    // from which "rows have no finished token" follows without a scan of its own.
    checks.add(
        new Check(
            MULTI_FINISHED,
            "SELECT COALESCE(SUM(CASE WHEN x.finishers > 1 THEN 1 ELSE 0 END), 0), COUNT(*) FROM"
                + " (SELECT t.row_id, COUNT(DISTINCT t.token_id) AS finishers FROM tokens t JOIN"
                + " token_outcomes o ON o.token_id = t.token_id AND o.is_terminal = 1 WHERE"
                + " t.run_id = ? AND "
                + SOURCE_TOKEN
                + " GROUP BY t.row_id) x"));
    // A row a sink could not write and discarded (diverted to __discard__) reached no sink.
    // The sink nodes that wrote an artifact are a handful: listed once, each outcome is then one
    // seek of the (token_id, node_id) index. Joining artifacts per visit instead read every visit
    // of every token (4.0 s instead of 1.3 s for a million rows on SQLite).
    checks.add(
        new Check(
            "sink outcomes have no artifact",
            "SELECT COUNT(*) FROM"
                + " token_outcomes o WHERE o.run_id = ? AND o.sink_name IS NOT NULL AND o.sink_name <>"
                + " '__discard__' AND NOT EXISTS (SELECT 1 FROM node_states s WHERE s.token_id ="
                + " o.token_id AND s.run_id = o.run_id AND s.node_id IN (SELECT a.sink_node_id FROM"
                + " artifacts a WHERE a.run_id = ?))"));
    // Referential integrity across bundles (not declared as foreign keys: see the schema).
    checks.add(
        new Check(
            "outcomes name a token that is not in this run",
            "SELECT COUNT(*) FROM token_outcomes o WHERE o.run_id = ? AND NOT EXISTS (SELECT 1 FROM"
                + " tokens t WHERE t.token_id = o.token_id AND t.run_id = o.run_id)"));
    // An abandoned attempt may have committed a visit but not its token (they commit in
    // different bundles): a state of a token that was never recorded and that nothing finished.
    // A surviving token always has an outcome, so a state of an unrecorded token with an outcome
    // is lost lineage.
    checks.add(
        new Check(
            "node states name a token that is not in this run",
            "SELECT COUNT(*) FROM node_states s WHERE s.run_id = ? AND NOT EXISTS (SELECT 1 FROM"
                + " tokens t WHERE t.token_id = s.token_id AND t.run_id = s.run_id) AND EXISTS"
                + " (SELECT 1 FROM token_outcomes o WHERE o.token_id = s.token_id)"));
    // Derived (see derivedUnfinishedRows); read only when the derivation cannot answer.
    checks.add(new Check(ROWS_UNFINISHED, ROWS_UNFINISHED_SQL, true));
    checks.add(
        new Check(
            TOKENS_ROWLESS,
            "SELECT COUNT(*) FROM tokens t WHERE t.run_id = ? AND NOT EXISTS (SELECT 1 FROM rows r"
                + " WHERE r.row_id = t.row_id AND r.run_id = t.run_id)"));
    checks.add(
        new Check(
            "token parent links name a missing token",
            "SELECT COUNT(*) FROM token_parents p JOIN tokens t ON t.token_id = p.token_id WHERE"
                + " t.run_id = ? AND NOT EXISTS (SELECT 1 FROM tokens q WHERE q.token_id ="
                + " p.parent_token_id AND q.run_id = t.run_id)"));
    checks.add(
        new Check(
            "routing events name a missing node state",
            "SELECT COUNT(*) FROM routing_events e JOIN edges g ON g.edge_id = e.edge_id WHERE"
                + " g.run_id = ? AND NOT EXISTS (SELECT 1 FROM node_states s WHERE s.state_id ="
                + " e.state_id)"));
    // Calls carry no run id; a call whose parent is missing is broken whichever run it is in.
    checks.add(
        new Check(
            "calls name a missing node state or operation",
            "SELECT COUNT(*) FROM calls k WHERE CAST(? AS VARCHAR(64)) IS NOT NULL AND ("
                + "(k.state_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM node_states s WHERE"
                + " s.state_id = k.state_id)) OR (k.operation_id IS NOT NULL AND NOT EXISTS (SELECT 1"
                + " FROM operations o WHERE o.operation_id = k.operation_id)))"));
    checks.add(
        new Check(
            "artifacts name a missing node state",
            "SELECT COUNT(*) FROM artifacts a WHERE a.run_id = ? AND NOT EXISTS (SELECT 1 FROM"
                + " node_states s WHERE s.state_id = a.produced_by_state_id)"));
    // The DAG's lineage links, written by other bundles than the tokens they name.
    checks.add(
        new Check(
            "child tokens (fork, join or expand group) have no parent link",
            "SELECT COUNT(*) FROM tokens t WHERE t.run_id = ? AND (t.fork_group_id IS NOT NULL OR"
                + " t.join_group_id IS NOT NULL OR t.expand_group_id IS NOT NULL) AND NOT EXISTS"
                + " (SELECT 1 FROM token_parents p WHERE p.token_id = t.token_id)"));
    checks.add(
        new Check(
            "forked outcomes have no child token in their fork group",
            "SELECT COUNT(*) FROM token_outcomes o WHERE o.run_id = ? AND o.outcome = 'forked' AND"
                + " NOT EXISTS (SELECT 1 FROM tokens t WHERE t.fork_group_id = o.fork_group_id AND"
                + " t.run_id = o.run_id)"));
    checks.add(
        new Check(
            "coalesced outcomes have no merged token in their join group",
            "SELECT COUNT(*) FROM token_outcomes o WHERE o.run_id = ? AND o.outcome = 'coalesced' AND"
                + " NOT EXISTS (SELECT 1 FROM tokens t WHERE t.join_group_id = o.join_group_id AND"
                + " t.run_id = o.run_id)"));
    checks.add(
        new Check(
            "outcomes name a batch that is not in this run",
            "SELECT COUNT(*) FROM token_outcomes o WHERE o.run_id = ? AND o.batch_id IS NOT NULL AND"
                + " NOT EXISTS (SELECT 1 FROM batches b WHERE b.batch_id = o.batch_id AND"
                + " b.run_id = o.run_id)"));
    checks.add(
        new Check(
            "batch members name a token that is not in this run",
            "SELECT COUNT(*) FROM batch_members m JOIN batches b ON b.batch_id = m.batch_id WHERE"
                + " b.run_id = ? AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.token_id = m.token_id"
                + " AND t.run_id = b.run_id)"));
    checks.add(
        new Check(
            "batch members name a batch that was never recorded",
            "SELECT COUNT(*) FROM batch_members m JOIN tokens t ON t.token_id = m.token_id WHERE"
                + " t.run_id = ? AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.batch_id ="
                + " m.batch_id)"));
    checks.add(
        new Check(
            "consumed_in_batch outcomes whose token is not a member of the" + " batch",
            "SELECT COUNT(*) FROM token_outcomes o WHERE o.run_id = ? AND o.outcome ="
                + " 'consumed_in_batch' AND NOT EXISTS (SELECT 1 FROM batch_members m WHERE"
                + " m.batch_id = o.batch_id AND m.token_id = o.token_id)"));
    // A diverted row is written by the sink its outcome names, or discarded with a reason.
    checks.add(
        new Check(
            "diverted outcomes have no failed state at the sink that" + " could not write them",
            "SELECT COUNT(*) FROM token_outcomes o WHERE o.run_id = ? AND"
                + " o.outcome = 'diverted' AND NOT EXISTS (SELECT 1 FROM node_states s JOIN nodes n ON"
                + " n.node_id = s.node_id AND n.run_id = s.run_id WHERE s.token_id = o.token_id AND"
                + " s.status = 'failed' AND n.node_type = 'sink')"));
    return checks;
  }

  /** Counts with {@code sql} (every {@code ?} the run id), logging the check's time. */
  private static long timedCount(Connection c, String what, String sql, String runId)
      throws SQLException {
    return timedColumns(c, what, sql, runId)[0];
  }

  /** The columns of {@code sql}'s one row (every {@code ?} the run id), logging its time. */
  private static long[] timedColumns(Connection c, String what, String sql, String runId)
      throws SQLException {
    long start = System.nanoTime();
    long[] n = columns(c, sql, runId);
    LOG.debug(
        "reconciliation check={} found={} ms={}",
        what.replace(' ', '_'),
        n[0],
        (System.nanoTime() - start) / 1_000_000);
    return n;
  }

  /** Counts with {@code sql}, whose every {@code ?} is the run id. */
  private static long count(Connection c, String sql, String runId) throws SQLException {
    return columns(c, sql, runId)[0];
  }

  /** The columns of the one row {@code sql} answers, whose every {@code ?} is the run id. */
  private static long[] columns(Connection c, String sql, String runId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      long parameters = sql.chars().filter(ch -> ch == '?').count();
      for (int i = 1; i <= parameters; i++) {
        ps.setString(i, runId);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        long[] columns = new long[rs.getMetaData().getColumnCount()];
        for (int i = 0; i < columns.length; i++) {
          columns[i] = rs.getLong(i + 1);
        }
        return columns;
      }
    }
  }
}
