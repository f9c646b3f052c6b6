package io.elspeth.console;

import static io.elspeth.console.Page.esc;

import io.elspeth.audit.reconcile.RunReconciliation;
import java.util.Map;

/** The reconciliation of a run: rows, tokens, outcomes, and the invariants it breaks, if any. */
final class ReconciliationPage {
  private ReconciliationPage() {}

  static String render(String runId, RunReconciliation r) {
    StringBuilder h = new StringBuilder(4_096);
    h.append("<p>")
        .append(Page.link("/runs/" + Page.enc(runId), "← run " + runId))
        .append("</p>\n<p id=\"reconciles\" class=\"")
        .append(r.reconciles() ? "ok" : "bad")
        .append("\">")
        .append(
            r.reconciles()
                ? "The run reconciles: every row and token is" + " accounted for."
                : "The run does not reconcile.")
        .append("</p>\n")
        .append("<table class=\"facts\"><tr><td>rows</td><td>")
        .append(r.rows())
        .append("</td></tr><tr><td>tokens</td><td>")
        .append(r.tokens())
        .append("</td></tr><tr><td>discarded at the source</td><td>")
        .append(r.discarded())
        .append("</td></tr></table>\n<h2>Terminal outcomes</h2>\n<table>");
    for (Map.Entry<String, Long> e : r.outcomes().entrySet()) {
      h.append("<tr>").append(Page.td(e.getKey())).append(Page.num(e.getValue())).append("</tr>");
    }
    h.append("</table>\n");
    if (!r.problems().isEmpty()) {
      h.append("<h2>Problems</h2>\n<ul id=\"problems\">");
      for (String p : r.problems()) {
        h.append("<li class=\"bad\">").append(esc(p)).append("</li>");
      }
      h.append("</ul>\n");
    }
    return Page.frame("Reconciliation of run " + runId, h.toString());
  }
}
