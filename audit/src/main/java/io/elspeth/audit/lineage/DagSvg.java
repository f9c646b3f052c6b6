package io.elspeth.audit.lineage;

import static io.elspeth.audit.lineage.HtmlText.clip;
import static io.elspeth.audit.lineage.HtmlText.esc;

import io.elspeth.audit.lineage.RunGraph.GraphEdge;
import io.elspeth.audit.lineage.RunGraph.GraphNode;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Draws a run's DAG as an inline SVG element, left to right in layers (a node's layer is the
 * longest path to it), optionally highlighting the nodes and edges a row took and showing a count
 * on nodes and edges. The classes it uses are styled by {@link LineageHtml#css()}.
 */
final class DagSvg {
  private static final int BOX_W = 200;
  private static final int BOX_H = 46;
  private static final int GAP_X = 90;
  private static final int GAP_Y = 30;
  private static final int MARGIN = 20;

  private DagSvg() {}

  /** Layer of each node: the longest path from a node without incoming edges. */
  private static Map<String, Integer> layers(RunGraph graph) {
    Map<String, Integer> layer = new LinkedHashMap<>();
    graph.nodes().forEach(n -> layer.put(n.nodeId(), 0));
    // Bellman-style relaxation bounded by the node count, so a cycle cannot loop forever.
    for (int round = 0; round < graph.nodes().size(); round++) {
      boolean changed = false;
      for (GraphEdge e : graph.edges()) {
        Integer from = layer.get(e.from());
        Integer to = layer.get(e.to());
        if (from != null && to != null && to < from + 1) {
          layer.put(e.to(), from + 1);
          changed = true;
        }
      }
      if (!changed) {
        break;
      }
    }
    return layer;
  }

  /**
   * Appends the SVG of {@code graph} to {@code h}: nodes in {@code visited} and edges in {@code
   * taken} highlighted, counts shown by node and edge id where given.
   */
  static void svg(
      StringBuilder h,
      RunGraph graph,
      Set<String> visited,
      Set<String> taken,
      Map<String, String> nodeCounts,
      Map<String, String> edgeCounts) {
    Map<String, Integer> layer = layers(graph);
    Map<Integer, Integer> rowsInLayer = new HashMap<>();
    Map<String, int[]> pos = new HashMap<>();
    int maxLayer = 0;
    int maxRow = 0;
    for (GraphNode n : graph.nodes()) {
      int l = Objects.requireNonNull(layer.get(n.nodeId()), "every node has a layer");
      int r = rowsInLayer.merge(l, 1, Integer::sum) - 1;
      pos.put(n.nodeId(), new int[] {MARGIN + l * (BOX_W + GAP_X), MARGIN + r * (BOX_H + GAP_Y)});
      maxLayer = Math.max(maxLayer, l);
      maxRow = Math.max(maxRow, r);
    }
    int width = 2 * MARGIN + (maxLayer + 1) * BOX_W + maxLayer * GAP_X;
    int height = 2 * MARGIN + (maxRow + 1) * BOX_H + maxRow * GAP_Y;
    h.append("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"")
        .append(width)
        .append("\" height=\"")
        .append(height)
        .append("\" viewBox=\"0 0 ")
        .append(width)
        .append(' ')
        .append(height)
        .append("\">\n<title>")
        .append(esc("DAG of the run with the row's path highlighted"))
        .append("</title>\n")
        .append(
            "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\""
                + " markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
                + "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#98a2b3\"/></marker>"
                + "<marker id=\"arrow-taken\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\""
                + " markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\">"
                + "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#1570ef\"/></marker></defs>\n");
    // Edges not taken first, so the taken path is drawn on top.
    for (boolean drawTaken : new boolean[] {false, true}) {
      for (GraphEdge e : graph.edges()) {
        int[] a = pos.get(e.from());
        int[] b = pos.get(e.to());
        if (a == null || b == null || taken.contains(e.edgeId()) != drawTaken) {
          continue;
        }
        int x1 = a[0] + BOX_W;
        int y1 = a[1] + BOX_H / 2;
        int x2 = b[0];
        int y2 = b[1] + BOX_H / 2;
        int bend = Math.max(30, (x2 - x1) / 2);
        h.append("<g class=\"edge")
            .append(drawTaken ? " taken" : "")
            .append("\"><title>")
            .append(esc(e.label() + " (" + e.mode() + "): " + e.from() + " -> " + e.to()))
            .append("</title><path d=\"M")
            .append(x1)
            .append(',')
            .append(y1)
            .append(" C")
            .append(x1 + bend)
            .append(',')
            .append(y1)
            .append(' ')
            .append(x2 - bend)
            .append(',')
            .append(y2)
            .append(' ')
            .append(x2)
            .append(',')
            .append(y2)
            .append("\" marker-end=\"url(#")
            .append(drawTaken ? "arrow-taken" : "arrow")
            .append(")\"/><text x=\"")
            .append((x1 + x2) / 2)
            .append("\" y=\"")
            .append((y1 + y2) / 2 - 4)
            .append("\" text-anchor=\"middle\">")
            .append(esc(e.label()));
        String count = edgeCounts.get(e.edgeId());
        if (count != null) {
          h.append(" <tspan class=\"count\" id=\"")
              .append(esc("count-edge-" + e.edgeId()))
              .append("\">")
              .append(esc(count))
              .append("</tspan>");
        }
        h.append("</text></g>\n");
      }
    }
    for (GraphNode n : graph.nodes()) {
      int[] p = Objects.requireNonNull(pos.get(n.nodeId()), "every node was placed above");
      boolean hit = visited.contains(n.nodeId());
      h.append("<g class=\"node")
          .append(hit ? " visited" : "")
          .append("\" id=\"")
          .append(esc("node-" + n.nodeId()))
          .append("\"><title>")
          .append(esc(n.nodeId() + (hit ? " (visited by this row)" : "")))
          .append("</title>")
          .append("<rect x=\"")
          .append(p[0])
          .append("\" y=\"")
          .append(p[1])
          .append("\" width=\"")
          .append(BOX_W)
          .append("\" height=\"")
          .append(BOX_H)
          .append("\" rx=\"6\"/><text x=\"")
          .append(p[0] + 10)
          .append("\" y=\"")
          .append(p[1] + 19)
          .append("\">")
          .append(esc(clip(n.nodeId(), nodeCounts.containsKey(n.nodeId()) ? 22 : 30)))
          .append("</text><text class=\"kind\" x=\"")
          .append(p[0] + 10)
          .append("\" y=\"")
          .append(p[1] + 36)
          .append("\">")
          .append(esc(n.nodeType() + " · " + n.pluginName()))
          .append("</text>");
      String count = nodeCounts.get(n.nodeId());
      if (count != null) {
        h.append("<text class=\"count\" text-anchor=\"end\" x=\"")
            .append(p[0] + BOX_W - 8)
            .append("\" y=\"")
            .append(p[1] + 19)
            .append("\" id=\"")
            .append(esc("count-node-" + n.nodeId()))
            .append("\">")
            .append(esc(count))
            .append("</text>");
      }
      h.append("</g>\n");
    }
    h.append("</svg>\n");
  }
}
