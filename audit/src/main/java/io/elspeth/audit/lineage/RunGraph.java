package io.elspeth.audit.lineage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The DAG of a run, as registered in {@code nodes} and {@code edges}.
 *
 * @param nodes the run's nodes by registration order
 * @param edges the run's edges by creation order
 */
public record RunGraph(List<GraphNode> nodes, List<GraphEdge> edges) {
  public RunGraph {
    nodes = List.copyOf(nodes);
    edges = List.copyOf(edges);
  }

  /**
   * Reads the graph of {@code runId}; the caller owns the connection.
   *
   * @throws SQLException when the database cannot be read
   */
  public static RunGraph read(Connection c, String runId) throws SQLException {
    List<GraphNode> nodes = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT node_id, plugin_name, node_type"
                + " FROM nodes WHERE run_id = ? ORDER BY registered_at, node_id")) {
      ps.setString(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          nodes.add(new GraphNode(rs.getString(1), rs.getString(2), rs.getString(3)));
        }
      }
    }
    List<GraphEdge> edges = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT edge_id, from_node_id, to_node_id,"
                + " label, default_mode FROM edges WHERE run_id = ? ORDER BY created_at, edge_id")) {
      ps.setString(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          edges.add(
              new GraphEdge(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5)));
        }
      }
    }
    return new RunGraph(nodes, edges);
  }

  /** A node of the run: nodes.node_id, plugin_name and node_type. */
  public record GraphNode(String nodeId, String pluginName, String nodeType) {}

  /** An edge of the run: edges.edge_id, from/to node ids, label and default mode. */
  public record GraphEdge(String edgeId, String from, String to, String label, String mode) {
    /**
     * A step's plain output edge, taken without a routing event: {@code continue}, or {@code
     * on_success} (ELSPETH's current label of a step's edge to its sink).
     */
    public boolean isPlain() {
      return "continue".equals(label) || "on_success".equals(label);
    }
  }
}
