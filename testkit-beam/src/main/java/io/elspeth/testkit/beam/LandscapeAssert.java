package io.elspeth.testkit.beam;

import io.elspeth.audit.lineage.LineageQuery;
import io.elspeth.audit.lineage.RowLineage;
import io.elspeth.audit.reconcile.RunReconciliation;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Assertions on what one run recorded in a Landscape, read back through the same queries the {@code
 * elspeth} command uses (reconciliation, explain). Each check throws an {@link AssertionError}
 * naming what the Landscape holds instead, and returns this for chaining:
 *
 * <pre>{@code
 * landscape.assertRun(run.runId())
 *     .reconciles()
 *     .hasOutcomes("high", "routed", 2)
 *     .hasCalls("azure_llm", 5)
 *     .rowReachedSink(0, "normal");
 * }</pre>
 */
public final class LandscapeAssert {
  /** Opens a connection to the Landscape. */
  @FunctionalInterface
  public interface Connector {
    Connection connect() throws SQLException;
  }

  private final Connector landscape;
  private final String runId;

  public LandscapeAssert(Connector landscape, String runId) {
    this.landscape = landscape;
    this.runId = runId;
  }

  /**
   * The run accounts for everything: every source row has a token, every token exactly one terminal
   * outcome, every completed or routed token a sink artifact, every child its parents.
   */
  public LandscapeAssert reconciles() {
    RunReconciliation counts = reconciliation();
    if (!counts.reconciles()) {
      throw new AssertionError(
          "run " + runId + " does not reconcile: " + String.join("; ", counts.problems()));
    }
    return this;
  }

  /** The run's status in the Landscape is {@code status} (completed, failed, ...). */
  public LandscapeAssert hasStatus(String status) {
    String actual =
        query(
            "SELECT status FROM runs WHERE run_id = ?",
            rs -> rs.next() ? rs.getString(1) : "(no such run)");
    if (!status.equals(actual)) {
      throw new AssertionError("run " + runId + " has status " + actual + ", expected " + status);
    }
    return this;
  }

  /**
   * Exactly {@code expected} tokens reached sink {@code sink} with terminal outcome {@code outcome}
   * (completed, routed, quarantined, ...).
   */
  public LandscapeAssert hasOutcomes(String sink, String outcome, long expected) {
    Map<String, Long> outcomes = outcomes();
    long actual = outcomes.getOrDefault(outcome + "@" + sink, 0L);
    if (actual != expected) {
      throw new AssertionError(
          "run "
              + runId
              + ": expected "
              + expected
              + " '"
              + outcome
              + "' outcomes at sink "
              + sink
              + ", found "
              + actual
              + " (all outcomes: "
              + outcomes
              + ")");
    }
    return this;
  }

  /** The run's terminal outcomes, by {@code outcome@sink} (or {@code outcome} without a sink). */
  public Map<String, Long> outcomes() {
    return new TreeMap<>(reconciliation().outcomes());
  }

  /**
   * Exactly {@code expected} external calls are recorded for the nodes of plugin {@code plugin}
   * (each call one record, in a node state or an operation); a test that counted the requests its
   * fake server received checks here that every one of them is in the record.
   */
  public LandscapeAssert hasCalls(String plugin, long expected) {
    long actual =
        query(
            "SELECT COUNT(*) FROM calls c"
                + " LEFT JOIN node_states s ON s.state_id = c.state_id"
                + " LEFT JOIN operations o ON o.operation_id = c.operation_id"
                + " JOIN nodes n ON n.run_id = ? AND n.node_id = COALESCE(s.node_id, o.node_id)"
                + " AND n.run_id = COALESCE(s.run_id, o.run_id)"
                + " WHERE n.plugin_name = ?",
            rs -> {
              rs.next();
              return rs.getLong(1);
            },
            plugin);
    if (actual != expected) {
      throw new AssertionError(
          "run "
              + runId
              + ": expected "
              + expected
              + " calls recorded for"
              + " plugin "
              + plugin
              + ", found "
              + actual);
    }
    return this;
  }

  /**
   * The source row {@code rowIndex} (0-based) has a token whose terminal outcome is at sink {@code
   * sink}, as {@code elspeth explain} traces it.
   */
  public LandscapeAssert rowReachedSink(long rowIndex, String sink) {
    RowLineage lineage = lineage(Long.toString(rowIndex));
    List<String> reached = new ArrayList<>();
    for (RowLineage.TokenLineage t : lineage.tokens()) {
      t.terminalOutcome().ifPresent(o -> reached.add(o.outcome() + "@" + o.sinkName()));
      if (t.terminalOutcome().map(o -> sink.equals(o.sinkName())).orElse(false)) {
        return this;
      }
    }
    throw new AssertionError(
        "run "
            + runId
            + ": row "
            + rowIndex
            + " did not reach sink "
            + sink
            + " (its tokens ended "
            + reached
            + ")");
  }

  /** A source row's lineage ({@code elspeth explain}): a row id, or a 0-based row index. */
  public RowLineage lineage(String rowIdOrIndex) {
    try (Connection c = landscape.connect()) {
      return LineageQuery.explainRow(c, runId, rowIdOrIndex)
          .orElseThrow(
              () ->
                  new AssertionError(
                      "run " + runId + " has no row " + rowIdOrIndex + " in the Landscape"));
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the Landscape: " + e.getMessage(), e);
    }
  }

  /** The run's reconciliation (counts and broken invariants), read from the Landscape. */
  public RunReconciliation reconciliation() {
    try (Connection c = landscape.connect()) {
      return RunReconciliation.of(c, runId);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the Landscape: " + e.getMessage(), e);
    }
  }

  @FunctionalInterface
  private interface Reader<T> {
    T read(ResultSet rs) throws SQLException;
  }

  private <T> T query(String sql, Reader<T> reader, String... more) {
    try (Connection c = landscape.connect();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, runId);
      for (int i = 0; i < more.length; i++) {
        ps.setString(i + 2, more[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return reader.read(rs);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the Landscape: " + e.getMessage(), e);
    }
  }
}
