package io.elspeth.pipelines.launch;

import io.elspeth.audit.reconcile.RunReconciliation;
import io.elspeth.audit.store.PlannerStatistics;
import io.elspeth.audit.ownership.Resumptions;
import io.elspeth.audit.ownership.RunLease;
import io.elspeth.audit.ownership.RunLeases;
import io.elspeth.pipelines.graph.PipelinePlan;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import org.checkerframework.checker.nullness.qual.Nullable;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Where a resumed run starts: the run it resumes, and the source rows that run and the runs it
 * resumed in turn finished (every token of the row has its terminal outcome), which the new run
 * skips so no row is written twice and no external call is paid twice for it. A run can be
 * resumed only with the same DAG (the same deterministic node ids), only if it did not complete,
 * only when its owner is gone (its lease is not live), and only once: a run that another run
 * resumed is refused, naming that run.
 *
 * @param chain the runs whose finished rows are skipped, oldest first, ending with the resumed one
 */
public record ResumePoint(String previousRunId, List<String> chain, BitSet done, long rowsDone,
    long rowsRecorded) {

  /**
   * Reads the resume point of {@code previousRunId}; throws ResumeException when it cannot be
   * resumed. {@code resumingRunId} is the run that claimed it (its own claim is no refusal); null
   * for a dry run.
   */
  public static ResumePoint of(Connection c, String previousRunId, PipelinePlan plan,
      @Nullable String resumingRunId) throws SQLException {
    String status;
    try (PreparedStatement ps = c.prepareStatement("SELECT status FROM runs WHERE run_id = ?")) {
      ps.setString(1, previousRunId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new ResumeException("no run '" + previousRunId + "' in the Landscape");
        }
        status = rs.getString(1);
      }
    }
    if ("completed".equals(status)) {
      throw new ResumeException("run " + previousRunId + " completed: there is nothing to resume");
    }
    Optional<RunLease> lease = RunLeases.of(c, previousRunId);
    if (lease.isPresent() && lease.get().isLive(System.currentTimeMillis())) {
      throw new ResumeException("run " + previousRunId + " is still running: its owner, "
          + lease.get().describe() + ", is alive; wait for it to end or stop it first");
    }
    Optional<String> by = Resumptions.resumedBy(c, previousRunId);
    if (by.isPresent() && !by.get().equals(resumingRunId) && !isStaleClaim(c, by.get())) {
      throw new ResumeException("run " + previousRunId + " was already resumed by run " + by.get()
          + "; resume that run instead (elspeth resume " + by.get() + " ...) if it did not"
          + " complete");
    }
    Set<String> recorded = new TreeSet<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT node_id FROM nodes WHERE run_id = ?")) {
      ps.setString(1, previousRunId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          recorded.add(rs.getString(1));
        }
      }
    }
    Set<String> planned = plan.nodes().stream().map(PipelinePlan.Node::nodeId)
        .collect(Collectors.toCollection(TreeSet::new));
    if (!recorded.equals(planned)) {
      TreeSet<String> gone = new TreeSet<>(recorded);
      gone.removeAll(planned);
      TreeSet<String> added = new TreeSet<>(planned);
      added.removeAll(recorded);
      throw new ResumeException("run " + previousRunId + " had another pipeline (nodes no longer"
          + " configured: " + gone + "; new nodes: " + added + "); a run resumes only with the"
          + " settings it ran with");
    }
    // The run may have just bulk-loaded its rows: plan the per-row query below for its size.
    PlannerStatistics.refresh(c);
    List<String> chain = Resumptions.chainEndingAt(c, previousRunId);
    BitSet done = new BitSet();
    BitSet recordedRows = new BitSet();
    for (String run : chain) {
      finishedRows(c, run, done, recordedRows);
    }
    return new ResumePoint(previousRunId, chain, done, done.cardinality(),
        recordedRows.cardinality());
  }

  /**
   * Whether a claim's resuming run never got recorded and its process is gone (it died between
   * claiming and recording its run), so the claim binds nobody.
   */
  static boolean isStaleClaim(Connection c, String claimer) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM runs WHERE run_id = ?")) {
      ps.setString(1, claimer);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return false;
        }
      }
    }
    Optional<RunLease> lease = RunLeases.of(c, claimer);
    return lease.isEmpty() || !lease.get().isLive(System.currentTimeMillis());
  }

  /**
   * Adds the indexes of the rows {@code runId} recorded, and of those it finished: every token of
   * the row has a terminal outcome, but the source tokens of attempts the runner abandoned (a
   * Flink restart re-reads the source with new token ids), as reconciliation counts them.
   */
  private static void finishedRows(Connection c, String runId, BitSet done, BitSet recorded)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT r.row_index, CASE WHEN EXISTS (SELECT 1"
        + " FROM tokens t WHERE t.row_id = r.row_id) AND NOT EXISTS (SELECT 1 FROM tokens t"
        + " WHERE t.row_id = r.row_id AND NOT EXISTS (SELECT 1 FROM token_outcomes o WHERE"
        + " o.token_id = t.token_id AND o.is_terminal = 1) AND NOT ("
        + RunReconciliation.ABANDONED_SOURCE_ATTEMPT + ")) THEN 1 ELSE 0 END FROM rows r"
        + " WHERE r.run_id = ?")) {
      ps.setString(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int index = Math.toIntExact(rs.getLong(1));
          recorded.set(index);
          if (rs.getInt(2) == 1) {
            done.set(index);
          }
        }
      }
    }
  }

  /** The run cannot be resumed; the message says why. */
  public static final class ResumeException extends RuntimeException {
    public ResumeException(String message) {
      super(message);
    }
  }
}
