package io.elspeth.console;

import io.elspeth.audit.lineage.LineageHtml;
import org.checkerframework.checker.nullness.qual.Nullable;

/** The frame of every console page: head, style sheet, script, navigation; text escaped. */
final class Page {
  private Page() {}

  static String esc(@Nullable String text) {
    return LineageHtml.esc(text);
  }

  static String frame(String title, String body) {
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"/>"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/><title>"
        + esc(title + " · elspeth")
        + "</title>\n"
        + "<link rel=\"stylesheet\" href=\"/console.css\"/>"
        + "<script src=\"/console.js\" defer=\"defer\"></script></head>\n<body>\n"
        + "<nav><a href=\"/\">Runs</a> <form class=\"search\" method=\"get\" action=\"/find\">"
        + "<input name=\"q\" placeholder=\"run id, row id or token id\" aria-label=\"find\"/>"
        + "<button>Find</button></form></nav>\n<h1>"
        + esc(title)
        + "</h1>\n"
        + body
        + "</body>\n</html>\n";
  }

  /** The console's own rules after the lineage page's. */
  static String css() {
    return LineageHtml.css()
        + "\n"
        + String.join(
            "\n",
            "nav{display:flex;gap:16px;align-items:center;border-bottom:1px solid #e4e7ec;"
                + "padding-bottom:8px}",
            "nav form{margin-left:auto}",
            "a{color:#1570ef}",
            ".status{font-weight:600}.status.running{color:#1570ef}.status.completed{color:#067647}",
            ".status.failed{color:#b42318}.status.interrupted{color:#b54708}",
            "form.filters{display:flex;gap:8px;align-items:end;margin:8px 0}",
            "form.filters label{display:flex;flex-direction:column;font-size:12px}",
            ".pager{display:flex;gap:16px;margin:8px 0}",
            "td.num{text-align:right;font-variant-numeric:tabular-nums}");
  }

  static String status(String status) {
    return "<span class=\"status " + esc(status) + "\">" + esc(status) + "</span>";
  }

  static String link(String href, String text) {
    return "<a href=\"" + esc(href) + "\">" + esc(text) + "</a>";
  }

  static String td(@Nullable Object value) {
    return "<td>" + esc(value == null ? null : value.toString()) + "</td>";
  }

  static String num(@Nullable Object value) {
    return "<td class=\"num\">" + esc(value == null ? null : value.toString()) + "</td>";
  }

  /** A path segment or query value, percent-encoded. */
  static String enc(String s) {
    return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
  }
}
