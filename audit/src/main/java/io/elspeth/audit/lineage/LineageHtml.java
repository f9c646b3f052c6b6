package io.elspeth.audit.lineage;

import static io.elspeth.audit.lineage.HtmlText.fact;
import static io.elspeth.audit.lineage.HtmlText.orDash;
import static io.elspeth.audit.lineage.HtmlText.pretty;
import static io.elspeth.audit.lineage.HtmlText.td;

import io.elspeth.audit.lineage.RowLineage.TokenLineage;
import io.elspeth.audit.lineage.RowLineage.ValidationError;
import io.elspeth.audit.payload.PayloadLookup;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Renders a {@link RowLineage} as one self-contained HTML page for {@code elspeth explain --html}:
 * inline CSS and SVG, no script and no external resource, so it opens from a file in any browser
 * and can be archived with the audit trail.
 *
 * <p>The page draws the run's DAG (its {@code nodes} and {@code edges}) left to right in layers,
 * with the nodes the row's tokens visited and the edges they took highlighted, then lists per token
 * every node state with its hashes, gate decisions, routes, external calls, errors, the outcome and
 * the artifact reached. Every text from the Landscape (ids, row data, error details, conditions) is
 * escaped, and the markup is well-formed XML (XHTML syntax), so the page can also be parsed by
 * machines.
 */
public final class LineageHtml {
  private static final String CSS =
      String.join(
          "\n",
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

  /** Escapes text for element content and attribute values ({@code -} for null). */
  public static String esc(@Nullable String text) {
    return HtmlText.esc(text);
  }

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
        .append("</title>\n<style>\n")
        .append(CSS)
        .append("\n</style></head>\n<body>\n");
    h.append("<h1>")
        .append(esc("Row " + row.rowIndex() + " of run " + lineage.run().runId()))
        .append("</h1>\n");
    h.append(body(lineage, graph, sourcePayload));
    h.append("</body>\n</html>\n");
    return h.toString();
  }

  /**
   * The content of {@link #page} without the document around it and its heading: the facts, the DAG
   * with the row's path, validation errors and every token. The web console embeds it.
   */
  public static String body(RowLineage lineage, RunGraph graph, PayloadLookup sourcePayload) {
    StringBuilder h = new StringBuilder(16_384);
    facts(h, lineage, sourcePayload);
    RowPath path = RowPath.of(lineage, graph);
    h.append("<h2>Path through the pipeline</h2>\n");
    DagSvg.svg(h, graph, path.visitedNodes(), path.takenEdges(), Map.of(), Map.of());
    if (!lineage.validationErrors().isEmpty()) {
      h.append(
          "<h2>Validation errors</h2>\n<table><tr><th>error</th><th>destination</th>"
              + "<th>violation</th><th>field</th><th>expected</th><th>actual</th></tr>\n");
      for (ValidationError v : lineage.validationErrors()) {
        h.append("<tr>")
            .append(td(v.error()))
            .append(td(v.destination()))
            .append(td(v.violationType()))
            .append(td(v.originalFieldName()))
            .append(td(v.expectedType()))
            .append(td(v.actualType()))
            .append("</tr>\n");
      }
      h.append("</table>\n");
    }
    if (lineage.tokens().isEmpty()) {
      h.append("<p class=\"note\">No tokens were recorded for this row.</p>\n");
    }
    for (TokenLineage t : lineage.tokens()) {
      TokenHtml.token(h, t);
    }
    return h.toString();
  }

  /**
   * The run's DAG alone, as an SVG element, with a count on every node and edge: the web console's
   * run page. A node's count is a text with id {@code count-node-<node id>}, an edge's {@code
   * count-edge-<edge id>}, so a page can update them in place.
   *
   * @param nodeCounts the text to show on each node, by node id (absent: none)
   * @param edgeCounts the text to show on each edge, by edge id (absent: none)
   */
  public static String dagSvg(
      RunGraph graph, Map<String, String> nodeCounts, Map<String, String> edgeCounts) {
    StringBuilder h = new StringBuilder(4_096);
    DagSvg.svg(h, graph, Set.of(), Set.of(), nodeCounts, edgeCounts);
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
    fact(
        h,
        "source",
        row.sourceNodeId()
            + (row.sourcePluginName() == null ? "" : " [" + row.sourcePluginName() + "]"));
    fact(h, "source data hash", row.sourceDataHash());
    fact(h, "source payload", payload.describe());
    h.append("</table>\n");
    String data = payload.text();
    if (data != null) {
      h.append("<h2>Source row as stored</h2>\n<pre>").append(esc(pretty(data))).append("</pre>\n");
    }
  }
}
