package io.elspeth.audit.lineage;

import static io.elspeth.audit.lineage.HtmlText.compact;
import static io.elspeth.audit.lineage.HtmlText.esc;
import static io.elspeth.audit.lineage.HtmlText.fact;
import static io.elspeth.audit.lineage.HtmlText.mono;
import static io.elspeth.audit.lineage.HtmlText.orDash;
import static io.elspeth.audit.lineage.HtmlText.scalar;
import static io.elspeth.audit.lineage.HtmlText.td;

import com.fasterxml.jackson.databind.JsonNode;
import io.elspeth.audit.lineage.RowLineage.Artifact;
import io.elspeth.audit.lineage.RowLineage.Call;
import io.elspeth.audit.lineage.RowLineage.NodeStateLineage;
import io.elspeth.audit.lineage.RowLineage.Outcome;
import io.elspeth.audit.lineage.RowLineage.RoutingEvent;
import io.elspeth.audit.lineage.RowLineage.TokenLineage;
import io.elspeth.audit.lineage.RowLineage.TransformError;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The lineage page's section on one token: its lineage notes (parents, fork/join/expand groups,
 * branch), a table of its node states with hashes, durations, gate decisions, routes, calls and
 * errors, then its transform errors, outcomes and the artifact it reached.
 */
final class TokenHtml {
  private TokenHtml() {}

  static void token(StringBuilder h, TokenLineage t) {
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
    h.append(
        "<table><tr><th>step</th><th>node</th><th>status</th><th>input hash</th>"
            + "<th>output hash</th><th>duration</th><th>details</th></tr>\n");
    for (NodeStateLineage s : t.nodeStates()) {
      h.append("<tr><td>")
          .append(s.stepIndex())
          .append(s.attempt() > 0 ? esc(" (attempt " + s.attempt() + ")") : "")
          .append("</td>")
          .append(td(s.nodeId() + " [" + orDash(s.pluginName()) + "]"))
          .append("<td class=\"")
          .append("failed".equals(s.status()) ? "bad" : "ok")
          .append("\">")
          .append(esc(s.status()))
          .append("</td>")
          .append(mono(s.inputHash()))
          .append(mono(s.outputHash()))
          .append(
              td(
                  s.durationMs() == null
                      ? null
                      : String.format(Locale.ROOT, "%.1f ms", s.durationMs())))
          .append("<td>");
      details(h, s);
      h.append("</td></tr>\n");
    }
    h.append("</table>\n");
    for (TransformError e : t.transformErrors()) {
      h.append("<p class=\"bad\">")
          .append(
              esc(
                  "transform error at "
                      + e.transformId()
                      + " -> '"
                      + e.destination()
                      + "': "
                      + compact(e.errorDetailsJson())))
          .append("</p>\n");
    }
    if (t.outcomes().isEmpty()) {
      h.append("<p class=\"bad\">No outcome recorded.</p>\n");
    }
    for (Outcome o : t.outcomes()) {
      h.append("<p><strong>Outcome:</strong> ")
          .append(
              esc(
                  o.outcome()
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
      lines.add(
          "gate: "
              + scalar(ctx.get("condition"))
              + " => "
              + scalar(ctx.get("result"))
              + (ctx.hasNonNull("route_label")
                  ? " (route '" + scalar(ctx.get("route_label")) + "')"
                  : ""));
    }
    for (RoutingEvent e : s.routingEvents()) {
      lines.add(
          "route '"
              + orDash(e.label())
              + "' -> "
              + orDash(e.toNodeId())
              + " ("
              + e.mode()
              + ")"
              + (e.reasonHash() == null ? "" : " reason " + e.reasonHash()));
    }
    for (Call c : s.calls()) {
      lines.add(
          "call "
              + c.callIndex()
              + " "
              + c.callType()
              + " "
              + c.status()
              + (c.latencyMs() == null ? "" : String.format(Locale.ROOT, " %.1f ms", c.latencyMs()))
              + " request "
              + c.requestHash()
              + (c.requestRef() == null ? "" : " ref " + c.requestRef())
              + " response "
              + orDash(c.responseHash())
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

  private static void addIf(List<String> notes, String label, @Nullable String value) {
    if (value != null) {
      notes.add(label + value);
    }
  }
}
