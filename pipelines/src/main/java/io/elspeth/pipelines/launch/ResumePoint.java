package io.elspeth.pipelines.launch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.ownership.Resumptions;
import io.elspeth.audit.ownership.RunLease;
import io.elspeth.audit.ownership.RunLeases;
import io.elspeth.audit.reconcile.RunReconciliation;
import io.elspeth.audit.store.PlannerStatistics;
import io.elspeth.pipelines.graph.PipelinePlan;
import io.elspeth.transforms.gate.DeliveredBranches;
import io.elspeth.transforms.gate.GateStep;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Where a resumed run starts: the run it resumes, and the source rows that run and the runs it
 * resumed in turn finished (every token of the row, and every token derived from them, has its
 * terminal outcome), which the new run skips so no row is written twice and no external call is
 * paid twice for it. A run can be resumed only with the same DAG (the same deterministic node ids),
 * only if it did not complete, only when its owner is gone (its lease is not live), and only once:
 * a run that another run resumed is refused, naming that run.
 *
 * <p>A row that is not finished may still have fork branches that are: each such branch of each
 * token the gate forked (its child token and everything derived from it reached terminal outcomes)
 * is listed in {@link #deliveredForks} under the gate's step, with the token's row and order (an
 * expanded or batched row reaches a gate as several tokens), and the gate does not fork that token
 * to it again.
 *
 * @param chain the runs whose finished rows are skipped, oldest first, ending with the resumed one
 * @param deliveredForks per gate step, the fork branches the chain delivered for unfinished rows
 */
public record ResumePoint(
    String previousRunId,
    List<String> chain,
    BitSet done,
    long rowsDone,
    long rowsRecorded,
    Map<Integer, DeliveredBranches> deliveredForks) {

  /**
   * Reads the resume point of {@code previousRunId}; throws ResumeException when it cannot be
   * resumed. {@code resumingRunId} is the run that claimed it (its own claim is no refusal); null
   * for a dry run.
   */
  public static ResumePoint of(
      Connection c, String previousRunId, PipelinePlan plan, @Nullable String resumingRunId)
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
    Optional<RunLease> lease = RunLeases.of(c, previousRunId);
    if (lease.isPresent() && lease.get().isLive(System.currentTimeMillis())) {
      throw new ResumeException(
          "run "
              + previousRunId
              + " is still running: its owner, "
              + lease.get().describe()
              + ", is alive; wait for it to end or stop it first");
    }
    Optional<String> by = Resumptions.resumedBy(c, previousRunId);
    if (by.isPresent() && !by.get().equals(resumingRunId) && !isStaleClaim(c, by.get())) {
      throw new ResumeException(
          "run "
              + previousRunId
              + " was already resumed by run "
              + by.get()
              + "; resume that run instead (elspeth resume "
              + by.get()
              + " ...) if it did not"
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
    Set<String> planned =
        plan.nodes().stream()
            .map(PipelinePlan.Node::nodeId)
            .collect(Collectors.toCollection(TreeSet::new));
    if (!recorded.equals(planned)) {
      TreeSet<String> gone = new TreeSet<>(recorded);
      gone.removeAll(planned);
      TreeSet<String> added = new TreeSet<>(planned);
      added.removeAll(recorded);
      throw new ResumeException(
          "run "
              + previousRunId
              + " had another pipeline (nodes no longer"
              + " configured: "
              + gone
              + "; new nodes: "
              + added
              + "); a run resumes only with the"
              + " settings it ran with");
    }
    // The run may have just bulk-loaded its rows: plan the per-row query below for its size.
    PlannerStatistics.refresh(c);
    List<String> chain = Resumptions.chainEndingAt(c, previousRunId);
    BitSet done = new BitSet();
    BitSet recordedRows = new BitSet();
    boolean forks = plan.settings().gates().stream().anyMatch(g -> !g.forkTo().isEmpty());
    Map<Integer, DeliveredBranches.Builder> delivered = new TreeMap<>();
    for (String run : chain) {
      finishedRows(c, run, done, recordedRows);
      if (forks) {
        deliveredForks(c, run, delivered);
      }
    }
    Map<Integer, DeliveredBranches> deliveredForks = new TreeMap<>();
    delivered.forEach((step, b) -> deliveredForks.put(step, b.build()));
    return new ResumePoint(
        previousRunId,
        chain,
        done,
        done.cardinality(),
        recordedRows.cardinality(),
        Map.copyOf(deliveredForks));
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
   * Adds the indexes of the rows {@code runId} recorded, and of those it finished. A row is
   * finished when none of its tokens is open, a token being open when it has no terminal outcome or
   * when any token derived from it (a fork's branch, an expansion's child, a batch's output, a
   * coalesce's merged row; {@code token_parents} leads from child to parent) is open: a row {@code
   * consumed_in_batch} whose batch output never reached a sink is not finished, and is processed
   * again with the other members of its batch. The steps record a derived token and its parent link
   * before the parent's terminal outcome, and the Landscape commits records in the order they were
   * emitted, so a committed parent outcome implies its children are recorded. The source tokens of
   * attempts the runner abandoned (a Flink restart re-reads the source with new token ids) are not
   * open: reconciliation leaves them out the same way.
   */
  private static void finishedRows(Connection c, String runId, BitSet done, BitSet recorded)
      throws SQLException {
    BitSet withTokens = new BitSet();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT r.row_index, CASE WHEN EXISTS"
                + " (SELECT 1 FROM tokens t WHERE t.row_id = r.row_id) THEN 1 ELSE 0 END FROM rows r"
                + " WHERE r.run_id = ?")) {
      ps.setString(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int index = Math.toIntExact(rs.getLong(1));
          recorded.set(index);
          if (rs.getInt(2) == 1) {
            withTokens.set(index);
          }
        }
      }
    }
    // Open tokens and, through token_parents, every token they derive from; then their rows.
    // Computed as one set joined back to rows (not a per-row probe of the set), so the cost
    // follows the number of open tokens, which after an early crash can be most of a run.
    try (PreparedStatement ps =
        c.prepareStatement(
            OPEN_TOKENS
                + " SELECT DISTINCT r.row_index FROM open_tokens a JOIN tokens t ON t.token_id = a.token_id"
                + " JOIN rows r ON r.row_id = t.row_id WHERE r.run_id = ?")) {
      ps.setString(1, runId);
      ps.setString(2, runId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          withTokens.clear(Math.toIntExact(rs.getLong(1)));
        }
      }
    }
    done.or(withTokens);
  }

  /**
   * Adds the fork branches {@code runId} delivered for rows it did not finish: a fork child (a
   * token with a branch name) that is not open, named by its row, the order of the token the gate
   * forked (which the gate's {@code forked} outcome records for a token derived from its row, an
   * expansion child or a batch output, see {@link GateStep#TOKEN_ORDER}) and its branch. A branch
   * that the run forked more than once for the same row, order and gate (a run recorded before the
   * order was, whose expanded rows' tokens cannot be told apart) is left out: its row is forked to
   * it again.
   */
  private static void deliveredForks(
      Connection c, String runId, Map<Integer, DeliveredBranches.Builder> delivered)
      throws SQLException {
    record Branch(long rowIndex, int step, List<Integer> order, String name) {}
    Map<Branch, Integer> forked = new HashMap<>();
    Set<Branch> finished = new HashSet<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            OPEN_TOKENS
                + " SELECT r.row_index, t.step_in_pipeline, t.branch_name, o.context_json,"
                + " CASE WHEN a.token_id IS NULL THEN 1 ELSE 0 END FROM rows r"
                + " JOIN tokens t ON t.row_id = r.row_id JOIN token_parents p ON p.token_id = t.token_id"
                + " JOIN token_outcomes o ON o.token_id = p.parent_token_id AND o.outcome = 'forked'"
                + " AND o.is_terminal = 1 LEFT JOIN open_tokens a ON a.token_id = t.token_id"
                + " WHERE r.run_id = ? AND t.fork_group_id IS NOT NULL AND t.branch_name IS NOT NULL"
                + " AND t.step_in_pipeline IS NOT NULL")) {
      ps.setString(1, runId);
      ps.setString(2, runId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Branch b =
              new Branch(rs.getLong(1), rs.getInt(2), tokenOrder(rs.getString(4)), rs.getString(3));
          forked.merge(b, 1, Integer::sum);
          if (rs.getInt(5) == 1) {
            finished.add(b);
          }
        }
      }
    }
    for (Branch b : finished) {
      if (forked.getOrDefault(b, 0) == 1) {
        delivered
            .computeIfAbsent(b.step(), k -> DeliveredBranches.builder())
            .add(b.rowIndex(), b.order(), b.name(), runId);
      }
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The forked token's order recorded in a {@code forked} outcome's context; empty if none. */
  private static List<Integer> tokenOrder(@Nullable String contextJson) throws SQLException {
    if (contextJson == null) {
      return List.of();
    }
    try {
      JsonNode order = JSON.readTree(contextJson).get(GateStep.TOKEN_ORDER);
      if (order == null) {
        return List.of();
      }
      List<Integer> out = new ArrayList<>();
      order.forEach(n -> out.add(n.intValue()));
      return out;
    } catch (JsonProcessingException e) {
      throw new SQLException(
          "a forked outcome's context is not JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * The tokens of a run (its one parameter) that are open: without a terminal outcome, or with a
   * token derived from them (through {@code token_parents}, child to parent) that is.
   */
  private static final String OPEN_TOKENS =
      "WITH RECURSIVE open_tokens(token_id) AS ("
          + " SELECT t.token_id FROM rows r JOIN tokens t ON t.row_id = r.row_id"
          + " WHERE r.run_id = ? AND NOT EXISTS (SELECT 1 FROM token_outcomes o"
          + " WHERE o.token_id = t.token_id AND o.is_terminal = 1)"
          + " AND NOT ("
          + RunReconciliation.ABANDONED_SOURCE_ATTEMPT
          + ")"
          + " UNION SELECT p.parent_token_id FROM token_parents p"
          + " JOIN open_tokens a ON p.token_id = a.token_id)";

  /** The run cannot be resumed; the message says why. */
  public static final class ResumeException extends RuntimeException {
    public ResumeException(String message) {
      super(message);
    }
  }
}
