package io.elspeth.console;

import static io.elspeth.console.Page.enc;
import static io.elspeth.console.Page.esc;

import io.elspeth.audit.lineage.LineageHtml;
import io.elspeth.audit.lineage.RunGraph;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A run: facts, the DAG with counts (live while the run runs), outcomes per sink, errors grouped by
 * reason, external calls per step, links to reconciliation and the export, and its rows.
 */
final class RunPage {
  private RunPage() {}

  /** Everything the page shows, read in one request. */
  record Content(
      RunSummary summary,
      String configHash,
      RunGraph graph,
      RunDagCounts counts,
      ErrorGroups errors,
      List<CallStats> calls,
      List<LlmUsage> llm,
      boolean priced,
      boolean payloadStore,
      TelemetryHealth telemetry,
      List<RowRef> rows,
      @Nullable Long nextAfter,
      boolean signedExport) {}

  /** A row of the rows list. */
  record RowRef(long rowIndex, String rowId) {}

  static String render(Content c) {
    RunSummary s = c.summary();
    String base = "/runs/" + enc(s.runId());
    StringBuilder h = new StringBuilder(16_384);
    boolean live = s.status().equals("running");
    h.append("<table class=\"facts\" id=\"run-facts\"")
        .append(live ? " data-events=\"" + esc(base + "/events") + "\"" : "")
        .append(">\n")
        .append("<tr><td>status</td><td id=\"run-status\">")
        .append(Page.status(s.status()))
        .append("</td></tr>\n")
        .append("<tr><td>started / completed</td><td class=\"mono\">")
        .append(esc(s.startedAt() + " / " + (s.completedAt() == null ? "-" : s.completedAt())))
        .append("</td></tr>\n<tr><td>duration</td><td id=\"run-duration\">")
        .append(esc(s.duration()))
        .append("</td></tr>\n<tr><td>rows</td><td id=\"run-rows\">")
        .append(s.rows())
        .append("</td></tr>\n<tr><td>config hash</td><td class=\"mono\">")
        .append(esc(c.configHash()))
        .append("</td></tr>\n</table>\n");
    h.append("<p>")
        .append(Page.link(base + "/reconciliation", "Reconciliation"))
        .append(" · ")
        .append(
            Page.link(
                base + "/export.jsonl",
                c.signedExport()
                    ? "Download signed export"
                    : "Download export (unsigned: ELSPETH_SIGNING_KEY not set)"))
        .append("</p>\n");
    h.append("<h2>Pipeline</h2>\n<div id=\"dag\">")
        .append(LineageHtml.dagSvg(c.graph(), c.counts().nodeLabels(), c.counts().edgeLabels()))
        .append("</div>\n");
    h.append(
        "<h2>Outcomes per sink</h2>\n<table id=\"sinks\"><tr><th>sink</th><th>tokens</th>"
            + "</tr>\n");
    for (Map.Entry<String, Long> e : s.sinkOutcomes().entrySet()) {
      h.append("<tr>")
          .append(Page.td(e.getKey()))
          .append("<td class=\"num\" id=\"")
          .append(esc("sink-" + e.getKey()))
          .append("\">")
          .append(e.getValue())
          .append("</td></tr>\n");
    }
    h.append("</table>\n");
    errors(h, "Validation errors", "validation-errors", c.errors().validation());
    errors(h, "Transform errors", "transform-errors", c.errors().transform());
    h.append("<h2>External calls per step</h2>\n");
    if (c.calls().isEmpty()) {
      h.append("<p class=\"note\">No external calls were recorded.</p>\n");
    } else {
      h.append(
          "<table id=\"calls\"><tr><th>step</th><th>type</th><th>calls</th>"
              + "<th>failures by kind</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr>\n");
      for (CallStats k : c.calls()) {
        h.append("<tr>")
            .append(Page.td(k.nodeId()))
            .append(Page.td(k.callType()))
            .append(Page.num(k.calls()))
            .append(
                Page.td(
                    k.failuresByKind().isEmpty()
                        ? "none"
                        : RunsListPage.outcomes(k.failuresByKind())))
            .append(Page.num(ms(k.p50())))
            .append(Page.num(ms(k.p95())))
            .append(Page.num(ms(k.p99())))
            .append(Page.num(ms(k.max())))
            .append("</tr>\n");
      }
      h.append("</table>\n");
    }
    llm(h, c);
    telemetry(h, c.telemetry());
    h.append("<h2>Rows</h2>\n<form class=\"search\" method=\"get\" action=\"")
        .append(esc(base + "/rows"))
        .append(
            "\"><input name=\"q\" id=\"row-query\""
                + " placeholder=\"row id, row index or token id\" aria-label=\"row\"/>"
                + "<button id=\"find-row\">Show lineage</button></form>\n");
    if (!c.rows().isEmpty()) {
      h.append("<table id=\"rows\"><tr><th>index</th><th>row id</th></tr>\n");
      for (RowRef r : c.rows()) {
        h.append("<tr>")
            .append(Page.num(r.rowIndex()))
            .append("<td class=\"mono\">")
            .append(Page.link(base + "/rows/" + enc(r.rowId()), r.rowId()))
            .append("</td></tr>\n");
      }
      h.append("</table>\n");
      if (c.nextAfter() != null) {
        h.append("<div class=\"pager\">")
            .append(Page.link(base + "?after=" + c.nextAfter(), "more rows →"))
            .append("</div>\n");
      }
    }
    return Page.frame("Run " + s.runId(), h.toString());
  }

  /** LLM tokens per step and model, with the estimated cost when prices are configured. */
  private static void llm(StringBuilder h, Content c) {
    if (c.llm().isEmpty()) {
      return;
    }
    h.append("<h2>LLM tokens per step</h2>\n");
    // Usage recorded when the run ended was read with the run's payload store: the note is for
    // calls whose response could not be read, by a console without one.
    if (!c.payloadStore() && c.llm().stream().anyMatch(u -> u.unread() > 0)) {
      h.append(
          "<p class=\"note\">Token usage is kept in the stored LLM responses: start the"
              + " console with --payload-dir to read it.</p>\n");
    }
    h.append(
        "<table id=\"llm-usage\"><tr><th>step</th><th>model</th><th>calls</th>"
            + "<th>unread</th><th>prompt tokens</th><th>completion tokens</th><th>total tokens</th>"
            + "<th>estimated cost</th></tr>\n");
    for (LlmUsage u : c.llm()) {
      h.append("<tr>")
          .append(Page.td(u.nodeId()))
          .append(Page.td(u.model()))
          .append(Page.num(u.calls()))
          .append(Page.num(u.unread()))
          .append(Page.num(u.promptTokens()))
          .append(Page.num(u.completionTokens()))
          .append(Page.num(u.totalTokens()))
          .append(
              Page.td(
                  u.cost() != null
                      ? String.format(Locale.ROOT, "$%.4f", u.cost())
                      : c.priced() ? "no price for this model" : "no prices (--llm-prices)"))
          .append("</tr>\n");
    }
    h.append("</table>\n");
  }

  private static void telemetry(StringBuilder h, TelemetryHealth t) {
    h.append(
            "<h2>Telemetry health</h2>\n<table id=\"telemetry-health\"><tr><th>state</th><td"
                + " id=\"telemetry-state\">")
        .append(esc(t.state()))
        .append("</td></tr>\n<tr><th>why</th>")
        .append(Page.td(t.explanation()))
        .append("</tr>\n");
    if (!t.exporters().isEmpty()) {
      h.append("<tr><th>exporters</th>")
          .append(Page.td(String.join(", ", t.exporters())))
          .append("</tr>\n");
    }
    t.facts()
        .forEach(
            (k, v) ->
                h.append("<tr><th>")
                    .append(esc(k))
                    .append("</th>")
                    .append(Page.td(v))
                    .append("</tr>\n"));
    h.append("</table>\n");
  }

  private static void errors(
      StringBuilder h, String title, String id, List<ErrorGroups.Group> groups) {
    h.append("<h2>").append(esc(title)).append("</h2>\n");
    if (groups.isEmpty()) {
      h.append("<p class=\"note\">None.</p>\n");
      return;
    }
    h.append("<table id=\"")
        .append(id)
        .append("\"><tr><th>step</th><th>reason</th>" + "<th>destination</th><th>rows</th></tr>\n");
    for (ErrorGroups.Group g : groups) {
      h.append("<tr>")
          .append(Page.td(g.node()))
          .append(Page.td(g.reason()))
          .append(Page.td(g.destination()))
          .append(Page.num(g.count()))
          .append("</tr>\n");
    }
    h.append("</table>\n");
  }

  private static @Nullable String ms(@Nullable Double v) {
    return v == null ? null : String.format(Locale.ROOT, "%.1f ms", v);
  }
}
