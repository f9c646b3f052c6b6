package io.elspeth.audit.lineage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.lineage.RowLineage.Artifact;
import io.elspeth.audit.lineage.RowLineage.Call;
import io.elspeth.audit.lineage.RowLineage.NodeStateLineage;
import io.elspeth.audit.lineage.RowLineage.Outcome;
import io.elspeth.audit.lineage.RowLineage.RoutingEvent;
import io.elspeth.audit.lineage.RowLineage.TokenLineage;
import io.elspeth.audit.lineage.RowLineage.TransformError;
import io.elspeth.audit.lineage.RowLineage.ValidationError;
import io.elspeth.audit.payload.PayloadLookup;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Renders a {@link RowLineage} as one self-contained HTML page for {@code elspeth explain
 * --html}: inline CSS and SVG, no script and no external resource, so it opens from a file in any
 * browser and can be archived with the audit trail.
 *
 * <p>The page draws the run's DAG (its {@code nodes} and {@code edges}) left to right in layers,
 * with the nodes the row's tokens visited and the edges they took highlighted, then lists per
 * token every node state with its hashes, gate decisions, routes, external calls, errors, the
 * outcome and the artifact reached. Every text from the Landscape (ids, row data, error details,
 * conditions) is escaped, and the markup is well-formed XML (XHTML syntax), so the page can also
 * be parsed by machines.
 */
public final class LineageHtml {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BOX_W = 200;
  private static final int BOX_H = 46;
  private static final int GAP_X = 90;
  private static final int GAP_Y = 30;
  private static final int MARGIN = 20;

  private static final String CSS = String.join("\n",
      "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#1d2330}",
      "h1{font-size:20px}h2{font-size:16px;margin-top:28px}",
      "code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}",
      "table{border-collapse:collapse;margin:8px 0;font-size:13px}",
      "th,td{border:1px solid #d0d5dd;padding:4px 8px;text-align:left;vertical-align:top}",
      "th{background:#f2f4f7}",
      ".facts td:first-child{font-weight:600;background:#f9fafb}",
      ".ok{color:#067647}.bad{color:#b42318}.note{color:#667085}",
      "pre{background:#f9fafb;border:1px solid #e4e7ec;padding:8px;white-space:pre-wrap;"
          + "word-break:break-all}",
      "svg{border:1px solid #e4e7ec;background:#fcfcfd;max-width:100%}",
      ".node rect{fill:#ffffff;stroke:#98a2b3;stroke-width:1}",
      ".node.visited rect{fill:#d1e9ff;stroke:#1570ef;stroke-width:2.5}",
      ".node text{font-size:12px;fill:#1d2330}",
      ".node .kind{font-size:10px;fill:#667085}",
      ".edge path{fill:none;stroke:#c0c5ce;stroke-width:1.2}",
      ".edge.taken path{stroke:#1570ef;stroke-width:3}",
      ".edge text{font-size:10px;fill:#475467}",
      ".edge.taken text{fill:#1570ef;font-weight:600}",
      ".node .count{font-size:12px;font-weight:600;fill:#344054}");

  private LineageHtml() {}

  /** The style sheet of the page (the web console serves it as a file of its own). */
  public static String css() {
    return CSS;
  }

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
      try (PreparedStatement ps = c.prepareStatement("SELECT node_id, plugin_name, node_type"
          + " FROM nodes WHERE run_id = ? ORDER BY registered_at, node_id")) {
        ps.setString(1, runId);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            nodes.add(new GraphNode(rs.getString(1), rs.getString(2), rs.getString(3)));
          }
        }
      }
      List<GraphEdge> edges = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT edge_id, from_node_id, to_node_id,"
          + " label, default_mode FROM edges WHERE run_id = ? ORDER BY created_at, edge_id")) {
        ps.setString(1, runId);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            edges.add(new GraphEdge(rs.getString(1), rs.getString(2), rs.getString(3),
                rs.getString(4), rs.getString(5)));
          }
        }
      }
      return new RunGraph(nodes, edges);
    }
  }

  /** A node of the run: nodes.node_id, plugin_name and node_type. */
  public record GraphNode(String nodeId, String pluginName, String nodeType) {}

  /** An edge of the run: edges.edge_id, from/to node ids, label and default mode. */
  public record GraphEdge(String edgeId, String from, String to, String label, String mode) {}

  /**
   * The page for {@code lineage} on {@code graph}; {@code sourcePayload} says whether the row's
   * stored data could be read back (and holds it when it could).
   */
  public static String page(RowLineage lineage, RunGraph graph, PayloadLookup sourcePayload) {
    StringBuilder h = new StringBuilder(16_384);
    RowLineage.SourceRow row = lineage.row();
    h.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n")
        .append("<head><meta charset=\"utf-8\"/><title>")
        .append(esc("Lineage of row " + row.rowIndex() + " of run " + lineage.run().runId()))
        .append("</title>\n<style>\n").append(CSS).append("\n</style></head>\n<body>\n");
    h.append("<h1>").append(esc("Row " + row.rowIndex() + " of run " + lineage.run().runId()))
        .append("</h1>\n");
    h.append(body(lineage, graph, sourcePayload));
    h.append("</body>\n</html>\n");
    return h.toString();
  }

  /**
   * The content of {@link #page} without the document around it and its heading: the facts, the
   * DAG with the row's path, validation errors and every token. The web console embeds it.
   */
  public static String body(RowLineage lineage, RunGraph graph, PayloadLookup sourcePayload) {
    StringBuilder h = new StringBuilder(16_384);
    facts(h, lineage, sourcePayload);
    Set<String> visited = visitedNodes(lineage);
    Set<String> taken = takenEdges(lineage, graph);
    h.append("<h2>Path through the pipeline</h2>\n");
    svg(h, graph, visited, taken, Map.of(), Map.of());
    if (!lineage.validationErrors().isEmpty()) {
      h.append("<h2>Validation errors</h2>\n<table><tr><th>error</th><th>destination</th>"
          + "<th>violation</th><th>field</th><th>expected</th><th>actual</th></tr>\n");
      for (ValidationError v : lineage.validationErrors()) {
        h.append("<tr>").append(td(v.error())).append(td(v.destination()))
            .append(td(v.violationType())).append(td(v.originalFieldName()))
            .append(td(v.expectedType())).append(td(v.actualType())).append("</tr>\n");
      }
      h.append("</table>\n");
    }
    if (lineage.tokens().isEmpty()) {
      h.append("<p class=\"note\">No tokens were recorded for this row.</p>\n");
    }
    for (TokenLineage t : lineage.tokens()) {
      token(h, t);
    }
    return h.toString();
  }

  /**
   * The run's DAG alone, as an SVG element, with a count on every node and edge: the web
   * console's run page. A node's count is a text with id {@code count-node-<node id>}, an edge's
   * {@code count-edge-<edge id>}, so a page can update them in place.
   *
   * @param nodeCounts the text to show on each node, by node id (absent: none)
   * @param edgeCounts the text to show on each edge, by edge id (absent: none)
   */
  public static String dagSvg(RunGraph graph, Map<String, String> nodeCounts,
      Map<String, String> edgeCounts) {
    StringBuilder h = new StringBuilder(4_096);
    svg(h, graph, Set.of(), Set.of(), nodeCounts, edgeCounts);
    return h.toString();
  }

  private static void facts(StringBuilder h, RowLineage lineage, PayloadLookup payload) {
    RowLineage.Run run = lineage.run();
    RowLineage.SourceRow row = lineage.row();
    h.append("<table class=\"facts\">\n");
    fact(h, "run", run.runId() + " (" + run.status() + ")");
    fact(h, "started / completed", run.startedAt() + " / " + orDash(run.completedAt()));
    fact(h, "config hash", run.configHash());
    fact(h, "row", row.rowId() + " (index " + row.rowIndex() + ")");
    fact(h, "source", row.sourceNodeId()
        + (row.sourcePluginName() == null ? "" : " [" + row.sourcePluginName() + "]"));
    fact(h, "source data hash", row.sourceDataHash());
    fact(h, "source payload", payload.describe());
    h.append("</table>\n");
    String data = payload.text();
    if (data != null) {
      h.append("<h2>Source row as stored</h2>\n<pre>").append(esc(pretty(data)))
          .append("</pre>\n");
    }
  }

  private static void fact(StringBuilder h, String name, String value) {
    h.append("<tr><td>").append(esc(name)).append("</td><td class=\"mono\">").append(esc(value))
        .append("</td></tr>\n");
  }

  // ---------------------------------------------------------------- the DAG

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
   * Edges the row took: those of its routing events, and between consecutive states of a token
   * the edge joining their nodes (the {@code continue} edge when there are several).
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
            if (e.from().equals(from) && e.to().equals(to)
                && (pick == null || "continue".equals(e.label()))) {
              pick = e;
            }
          }
          if (pick != null && states.get(i).routingEvents().stream()
              .noneMatch(r -> r.toNodeId() != null && r.toNodeId().equals(to))) {
            taken.add(pick.edgeId());
          }
        }
      }
    }
    return taken;
  }

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

  private static void svg(StringBuilder h, RunGraph graph, Set<String> visited,
      Set<String> taken, Map<String, String> nodeCounts, Map<String, String> edgeCounts) {
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
    h.append("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"").append(width)
        .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width)
        .append(' ').append(height).append("\">\n<title>")
        .append(esc("DAG of the run with the row's path highlighted")).append("</title>\n")
        .append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\""
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
        h.append("<g class=\"edge").append(drawTaken ? " taken" : "").append("\"><title>")
            .append(esc(e.label() + " (" + e.mode() + "): " + e.from() + " -> " + e.to()))
            .append("</title><path d=\"M").append(x1).append(',').append(y1).append(" C")
            .append(x1 + bend).append(',').append(y1).append(' ').append(x2 - bend).append(',')
            .append(y2).append(' ').append(x2).append(',').append(y2)
            .append("\" marker-end=\"url(#").append(drawTaken ? "arrow-taken" : "arrow")
            .append(")\"/><text x=\"").append((x1 + x2) / 2).append("\" y=\"")
            .append((y1 + y2) / 2 - 4).append("\" text-anchor=\"middle\">")
            .append(esc(e.label()));
        String count = edgeCounts.get(e.edgeId());
        if (count != null) {
          h.append(" <tspan class=\"count\" id=\"").append(esc("count-edge-" + e.edgeId()))
              .append("\">").append(esc(count)).append("</tspan>");
        }
        h.append("</text></g>\n");
      }
    }
    for (GraphNode n : graph.nodes()) {
      int[] p = Objects.requireNonNull(pos.get(n.nodeId()), "every node was placed above");
      boolean hit = visited.contains(n.nodeId());
      h.append("<g class=\"node").append(hit ? " visited" : "").append("\" id=\"")
          .append(esc("node-" + n.nodeId())).append("\"><title>")
          .append(esc(n.nodeId() + (hit ? " (visited by this row)" : ""))).append("</title>")
          .append("<rect x=\"").append(p[0]).append("\" y=\"").append(p[1])
          .append("\" width=\"").append(BOX_W).append("\" height=\"").append(BOX_H)
          .append("\" rx=\"6\"/><text x=\"").append(p[0] + 10).append("\" y=\"")
          .append(p[1] + 19).append("\">").append(esc(clip(n.nodeId(), nodeCounts.containsKey(n.nodeId()) ? 22 : 30)))
          .append("</text><text class=\"kind\" x=\"").append(p[0] + 10).append("\" y=\"")
          .append(p[1] + 36).append("\">").append(esc(n.nodeType() + " · " + n.pluginName()))
          .append("</text>");
      String count = nodeCounts.get(n.nodeId());
      if (count != null) {
        h.append("<text class=\"count\" text-anchor=\"end\" x=\"").append(p[0] + BOX_W - 8)
            .append("\" y=\"").append(p[1] + 19).append("\" id=\"")
            .append(esc("count-node-" + n.nodeId())).append("\">").append(esc(count))
            .append("</text>");
      }
      h.append("</g>\n");
    }
    h.append("</svg>\n");
  }

  // ---------------------------------------------------------------- tokens

  private static void token(StringBuilder h, TokenLineage t) {
    h.append("<h2>").append(esc("Token " + t.tokenId())).append("</h2>\n");
    List<String> notes = new ArrayList<>();
    if (!t.parentTokenIds().isEmpty()) {
      notes.add("parents " + String.join(", ", t.parentTokenIds()));
    }
    addIf(notes, "fork group ", t.forkGroupId());
    addIf(notes, "join group ", t.joinGroupId());
    addIf(notes, "expand group ", t.expandGroupId());
    addIf(notes, "branch ", t.branchName());
    if (!notes.isEmpty()) {
      h.append("<p class=\"note\">").append(esc(String.join("; ", notes))).append("</p>\n");
    }
    h.append("<table><tr><th>step</th><th>node</th><th>status</th><th>input hash</th>"
        + "<th>output hash</th><th>duration</th><th>details</th></tr>\n");
    for (NodeStateLineage s : t.nodeStates()) {
      h.append("<tr><td>").append(s.stepIndex())
          .append(s.attempt() > 0 ? esc(" (attempt " + s.attempt() + ")") : "").append("</td>")
          .append(td(s.nodeId() + " [" + orDash(s.pluginName()) + "]"))
          .append("<td class=\"").append("failed".equals(s.status()) ? "bad" : "ok").append("\">")
          .append(esc(s.status())).append("</td>").append(mono(s.inputHash()))
          .append(mono(s.outputHash())).append(td(s.durationMs() == null ? null
              : String.format(Locale.ROOT, "%.1f ms", s.durationMs())))
          .append("<td>");
      details(h, s);
      h.append("</td></tr>\n");
    }
    h.append("</table>\n");
    for (TransformError e : t.transformErrors()) {
      h.append("<p class=\"bad\">").append(esc("transform error at " + e.transformId() + " -> '"
          + e.destination() + "': " + compact(e.errorDetailsJson()))).append("</p>\n");
    }
    if (t.outcomes().isEmpty()) {
      h.append("<p class=\"bad\">No outcome recorded.</p>\n");
    }
    for (Outcome o : t.outcomes()) {
      h.append("<p><strong>Outcome:</strong> ").append(esc(o.outcome()
          + (o.isTerminal() ? "" : " (not terminal)")
          + (o.sinkName() == null ? "" : " at sink '" + o.sinkName() + "'")
          + (o.errorHash() == null ? "" : ", error hash " + o.errorHash())))
          .append("</p>\n");
    }
    Artifact a = t.artifact();
    if (a != null) {
      h.append("<table class=\"facts\">\n");
      fact(h, "artifact", a.artifactType() + " " + a.pathOrUri());
      fact(h, "content sha256", a.contentHash());
      fact(h, "size", a.sizeBytes() + " bytes");
      fact(h, "written", a.createdAt());
      h.append("</table>\n");
    }
  }

  private static void details(StringBuilder h, NodeStateLineage s) {
    List<String> lines = new ArrayList<>();
    JsonNode ctx = s.contextAfterJson();
    if (ctx != null && ctx.isObject() && (ctx.has("condition") || ctx.has("route_label"))) {
      lines.add("gate: " + scalar(ctx.get("condition")) + " => " + scalar(ctx.get("result"))
          + (ctx.hasNonNull("route_label") ? " (route '" + scalar(ctx.get("route_label"))
              + "')" : ""));
    }
    for (RoutingEvent e : s.routingEvents()) {
      lines.add("route '" + orDash(e.label()) + "' -> " + orDash(e.toNodeId()) + " ("
          + e.mode() + ")" + (e.reasonHash() == null ? "" : " reason " + e.reasonHash()));
    }
    for (Call c : s.calls()) {
      lines.add("call " + c.callIndex() + " " + c.callType() + " " + c.status()
          + (c.latencyMs() == null ? "" : String.format(Locale.ROOT, " %.1f ms", c.latencyMs()))
          + " request " + c.requestHash() + (c.requestRef() == null ? "" : " ref " + c.requestRef())
          + " response " + orDash(c.responseHash())
          + (c.responseRef() == null ? "" : " ref " + c.responseRef())
          + (c.errorJson() == null ? "" : " error " + compact(c.errorJson())));
    }
    if (s.errorJson() != null) {
      lines.add("error: " + compact(s.errorJson()));
    }
    for (int i = 0; i < lines.size(); i++) {
      if (i > 0) {
        h.append("<br/>");
      }
      h.append("<span class=\"mono\">").append(esc(lines.get(i))).append("</span>");
    }
  }

  // ---------------------------------------------------------------- text helpers

  /** Escapes text for element content and attribute values ({@code -} for null). */
  public static String esc(@Nullable String text) {
    if (text == null) {
      return "-";
    }
    StringBuilder s = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      switch (ch) {
        case '&' -> s.append("&amp;");
        case '<' -> s.append("&lt;");
        case '>' -> s.append("&gt;");
        case '"' -> s.append("&quot;");
        case '\'' -> s.append("&#39;");
        default -> {
          // Control characters are not allowed in XML 1.0; show them as code points instead.
          if (ch < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') {
            s.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
          } else {
            s.append(ch);
          }
        }
      }
    }
    return s.toString();
  }

  private static String td(@Nullable String text) {
    return "<td>" + esc(text) + "</td>";
  }

  private static String mono(@Nullable String text) {
    return "<td class=\"mono\">" + esc(text) + "</td>";
  }

  private static void addIf(List<String> notes, String label, @Nullable String value) {
    if (value != null) {
      notes.add(label + value);
    }
  }

  private static String clip(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max - 1) + "…";
  }

  private static String orDash(@Nullable String s) {
    return s == null ? "-" : s;
  }

  private static String scalar(@Nullable JsonNode node) {
    if (node == null || node.isNull()) {
      return "-";
    }
    return node.isValueNode() ? node.asText() : compact(node);
  }

  private static String compact(@Nullable JsonNode node) {
    return node == null ? "-" : node.toString();
  }

  private static String pretty(String json) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(json));
    } catch (JsonProcessingException e) {
      return json;
    }
  }
}
