package io.elspeth.audit.lineage;

import io.elspeth.audit.lineage.RowLineage.NodeStateLineage;
import io.elspeth.audit.lineage.RowLineage.RoutingEvent;
import io.elspeth.audit.lineage.RowLineage.TokenLineage;
import io.elspeth.audit.lineage.RunGraph.GraphEdge;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The path a row took through its run's DAG: the nodes its tokens visited and the edges they took,
 * which the lineage page highlights.
 *
 * @param visitedNodes ids of the nodes a token of the row has a state at
 * @param takenEdges ids of the edges the row took
 */
record RowPath(Set<String> visitedNodes, Set<String> takenEdges) {
  RowPath {
    visitedNodes = Set.copyOf(visitedNodes);
    takenEdges = Set.copyOf(takenEdges);
  }

  static RowPath of(RowLineage lineage, RunGraph graph) {
    return new RowPath(visitedNodes(lineage), takenEdges(lineage, graph));
  }

  private static Set<String> visitedNodes(RowLineage lineage) {
    Set<String> visited = new HashSet<>();
    for (TokenLineage t : lineage.tokens()) {
      for (NodeStateLineage s : t.nodeStates()) {
        visited.add(s.nodeId());
      }
    }
    return visited;
  }

  /**
   * Edges the row took: those of its routing events, and between consecutive states of a token the
   * edge joining their nodes (the {@code continue} edge when there are several).
   */
  private static Set<String> takenEdges(RowLineage lineage, RunGraph graph) {
    Set<String> taken = new HashSet<>();
    for (TokenLineage t : lineage.tokens()) {
      List<NodeStateLineage> states = t.nodeStates();
      for (int i = 0; i < states.size(); i++) {
        for (RoutingEvent e : states.get(i).routingEvents()) {
          taken.add(e.edgeId());
        }
        if (i + 1 < states.size()) {
          String from = states.get(i).nodeId();
          String to = states.get(i + 1).nodeId();
          GraphEdge pick = null;
          for (GraphEdge e : graph.edges()) {
            if (e.from().equals(from) && e.to().equals(to) && (pick == null || e.isPlain())) {
              pick = e;
            }
          }
          if (pick != null
              && states.get(i).routingEvents().stream()
                  .noneMatch(r -> r.toNodeId() != null && r.toNodeId().equals(to))) {
            taken.add(pick.edgeId());
          }
        }
      }
    }
    return taken;
  }
}
