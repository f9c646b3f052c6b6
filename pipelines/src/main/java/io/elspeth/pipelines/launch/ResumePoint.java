package io.elspeth.pipelines.launch;

import io.elspeth.audit.store.PlannerStatistics;
import io.elspeth.pipelines.graph.PipelinePlan;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Where a resumed run starts: the run it resumes, and the source rows that run finished (every
 * token of the row has its terminal outcome), which the new run skips so no external call is paid
 * twice for them. A run can be resumed only with the same DAG (the same deterministic node ids)
 * and only if it did not complete.
 */
public record ResumePoint(String previousRunId, BitSet done, long rowsDone, long rowsRecorded) {

  /** Reads the resume point of {@code previousRunId}; throws ResumeException when it cannot be resumed. */
  public static ResumePoint of(Connection c, String previousRunId, PipelinePlan plan)
      throws SQLException {
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
    BitSet done = new BitSet();
    long rows = 0;
    try (PreparedStatement ps = c.prepareStatement("SELECT r.row_index, CASE WHEN EXISTS (SELECT 1"
        + " FROM tokens t WHERE t.row_id = r.row_id) AND NOT EXISTS (SELECT 1 FROM tokens t"
        + " WHERE t.row_id = r.row_id AND NOT EXISTS (SELECT 1 FROM token_outcomes o WHERE"
        + " o.token_id = t.token_id AND o.is_terminal = 1)) THEN 1 ELSE 0 END FROM rows r"
        + " WHERE r.run_id = ?")) {
      ps.setString(1, previousRunId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows++;
          if (rs.getInt(2) == 1) {
            done.set(Math.toIntExact(rs.getLong(1)));
          }
        }
      }
    }
    return new ResumePoint(previousRunId, done, done.cardinality(), rows);
  }

  /** The run cannot be resumed; the message says why. */
  public static final class ResumeException extends RuntimeException {
    public ResumeException(String message) {
      super(message);
    }
  }
}
