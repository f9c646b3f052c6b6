package io.elspeth.console;

import static io.elspeth.console.Page.enc;
import static io.elspeth.console.Page.esc;

import java.util.Map;
import java.util.stream.Collectors;

/** The runs list: filters by status and start date, one page of runs, pager. */
final class RunsListPage {
  private RunsListPage() {}

  static String render(RunFilter filter, RunSummaries.Page page) {
    StringBuilder h = new StringBuilder(8_192);
    h.append("<form class=\"filters\" method=\"get\" action=\"/\">")
        .append(
            "<label>status<select name=\"status\" id=\"filter-status\"><option value=\"\">any"
                + "</option>");
    for (String s : new String[] {"running", "completed", "failed", "interrupted"}) {
      h.append("<option")
          .append(s.equals(filter.status()) ? " selected=\"selected\"" : "")
          .append(">")
          .append(s)
          .append("</option>");
    }
    h.append("</select></label><label>started from<input type=\"date\" name=\"from\" value=\"")
        .append(filter.from() == null ? "" : filter.from())
        .append("\"/></label>")
        .append("<label>to<input type=\"date\" name=\"to\" value=\"")
        .append(filter.to() == null ? "" : filter.to())
        .append("\"/></label>")
        .append("<button id=\"apply-filters\">Filter</button></form>\n");
    if (page.runs().isEmpty()) {
      h.append("<p class=\"note\" id=\"no-runs\">No runs match.</p>\n");
    } else {
      h.append(
          "<table id=\"runs\"><tr><th>run</th><th>status</th><th>started</th>"
              + "<th>duration</th><th>rows</th><th>outcomes per sink</th></tr>\n");
      for (RunSummary r : page.runs()) {
        h.append("<tr class=\"run\" data-run=\"")
            .append(esc(r.runId()))
            .append("\"><td class=\"mono\">")
            .append(Page.link("/runs/" + enc(r.runId()), r.runId()))
            .append("</td><td>")
            .append(Page.status(r.status()))
            .append("</td>")
            .append(Page.td(r.startedAt()))
            .append(Page.td(r.duration()))
            .append(Page.num(r.rows()))
            .append(Page.td(outcomes(r.sinkOutcomes())))
            .append("</tr>\n");
      }
      h.append("</table>\n");
    }
    h.append("<div class=\"pager\">");
    if (filter.page() > 0) {
      h.append(Page.link(query(filter, filter.page() - 1), "← newer"));
    }
    if (page.hasNext()) {
      h.append(Page.link(query(filter, filter.page() + 1), "older →"));
    }
    h.append("</div>\n");
    return Page.frame("Runs", h.toString());
  }

  static String outcomes(Map<String, Long> bySink) {
    return bySink.isEmpty()
        ? "-"
        : bySink.entrySet().stream()
            .map(e -> e.getKey() + " " + e.getValue())
            .collect(Collectors.joining(", "));
  }

  private static String query(RunFilter f, int page) {
    return "/?status="
        + (f.status() == null ? "" : enc(f.status()))
        + "&from="
        + (f.from() == null ? "" : f.from())
        + "&to="
        + (f.to() == null ? "" : f.to())
        + "&page="
        + page;
  }
}
