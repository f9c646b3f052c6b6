package io.elspeth.console;

import io.elspeth.audit.lineage.RunGraph;
import io.elspeth.audit.lineage.RunGraph.GraphEdge;
import io.elspeth.audit.lineage.RunGraph.GraphNode;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Row counts on a run's DAG: per node, the rows read (source) or the node states recorded by
 * status; per edge, the tokens that took it. An edge's count is the routing events recorded on it,
 * plus, for the one edge into a node that no routing event names (a {@code continue} edge), the
 * node's states that no routing event brought there.
 *
 * <p>Every query is an index range read of one node of one run ({@code ix_node_states_node}, {@code
 * ix_routing_events_state}, the rows' {@code (run_id, row_index)} key), never a scan of a table.
 *
 * @param nodeStates states by node id, then by status
 * @param edges tokens per edge id
 */
record RunDagCounts(Map<String, Map<String, Long>> nodeStates, Map<String, Long> edges) {

  static final String SOURCE_ROWS =
      "SELECT COUNT(*) FROM rows WHERE run_id = ? AND" + " source_node_id = ?";
  static final String NODE_STATES =
      "SELECT status, COUNT(*) FROM node_states"
          + " WHERE node_id = ? AND run_id = ? GROUP BY status ORDER BY status";
  static final String ROUTED =
      "SELECT re.edge_id, COUNT(*) FROM node_states s"
          + " JOIN routing_events re ON re.state_id = s.state_id"
          + " WHERE s.node_id = ? AND s.run_id = ? GROUP BY re.edge_id";

  static RunDagCounts read(Connection c, String runId, RunGraph graph) throws SQLException {
    Map<String, Map<String, Long>> states = new LinkedHashMap<>();
    Map<String, Long> routed = new HashMap<>();
    Map<String, Integer> outgoing = new HashMap<>();
    for (GraphEdge e : graph.edges()) {
      outgoing.merge(e.from(), 1, Integer::sum);
    }
    for (GraphNode n : graph.nodes()) {
      if ("source".equals(n.nodeType())) {
        states.put(
            n.nodeId(), Map.of("rows", LandscapeReads.count(c, SOURCE_ROWS, runId, n.nodeId())));
        continue;
      }
      states.put(n.nodeId(), LandscapeReads.counts(c, NODE_STATES, n.nodeId(), runId));
      if (outgoing.getOrDefault(n.nodeId(), 0) > 1) {
        routed.putAll(LandscapeReads.counts(c, ROUTED, n.nodeId(), runId));
      }
    }
    Map<String, Long> edges = new LinkedHashMap<>();
    Map<String, List<GraphEdge>> into = new LinkedHashMap<>();
    for (GraphEdge e : graph.edges()) {
      edges.put(e.edgeId(), routed.getOrDefault(e.edgeId(), 0L));
      into.computeIfAbsent(e.to(), k -> new ArrayList<>()).add(e);
    }
    for (Map.Entry<String, List<GraphEdge>> target : into.entrySet()) {
      List<GraphEdge> unrouted =
          target.getValue().stream().filter(e -> !routed.containsKey(e.edgeId())).toList();
      GraphEdge plain =
          unrouted.size() == 1
              ? unrouted.get(0)
              : unrouted.stream().filter(GraphEdge::isPlain).findFirst().orElse(null);
      if (plain == null) {
        continue;
      }
      long arrived = total(states.get(target.getKey()));
      long routedIn =
          target.getValue().stream().mapToLong(e -> routed.getOrDefault(e.edgeId(), 0L)).sum();
      edges.put(plain.edgeId(), Math.max(0, arrived - routedIn));
    }
    return new RunDagCounts(states, edges);
  }

  static long total(@Nullable Map<String, Long> byStatus) {
    return byStatus == null ? 0 : byStatus.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The text drawn on each node: {@code 120} or {@code 118 ✓ 2 ✗}. */
  Map<String, String> nodeLabels() {
    Map<String, String> labels = new LinkedHashMap<>();
    nodeStates.forEach(
        (node, byStatus) -> {
          long failed = byStatus.getOrDefault("failed", 0L);
          long all = total(byStatus);
          labels.put(
              node, failed == 0 ? Long.toString(all) : (all - failed) + " ✓ " + failed + " ✗");
        });
    return labels;
  }

  Map<String, String> edgeLabels() {
    Map<String, String> labels = new LinkedHashMap<>();
    edges.forEach((edge, n) -> labels.put(edge, Long.toString(n)));
    return labels;
  }
}
