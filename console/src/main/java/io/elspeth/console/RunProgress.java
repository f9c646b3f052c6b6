package io.elspeth.console;

import io.elspeth.audit.lineage.RunGraph;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

/**
 * What a running run has committed so far, as the run page shows it live: its status, rows, the
 * counts on its DAG and its outcomes per sink. Sent to the browser as the {@code progress} event
 * whenever it changes.
 */
record RunProgress(
    String status,
    long rows,
    Map<String, String> nodes,
    Map<String, String> edges,
    Map<String, Long> sinks,
    String duration) {

  static RunProgress read(
      Connection c, String runId, RunGraph graph, long nowMs, SettledRuns settled)
      throws SQLException {
    RunSummary summary = RunSummaries.one(c, runId, nowMs, settled);
    if (summary == null) {
      throw new IllegalStateException("run " + runId + " disappeared from the Landscape");
    }
    RunDagCounts counts =
        settled.get(
            c, runId, summary.status(), SettledRuns.DAG, () -> RunDagCounts.read(c, runId, graph));
    return new RunProgress(
        summary.status(),
        summary.rows(),
        counts.nodeLabels(),
        counts.edgeLabels(),
        summary.sinkOutcomes(),
        summary.duration() == null ? "-" : summary.duration());
  }

  boolean finished() {
    return !status.equals("running");
  }
}
