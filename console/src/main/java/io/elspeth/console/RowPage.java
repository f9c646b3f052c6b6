package io.elspeth.console;

import static io.elspeth.console.Page.esc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.lineage.LineageHtml;
import io.elspeth.audit.lineage.RowLineage;
import io.elspeth.audit.lineage.RowLineage.Call;
import io.elspeth.audit.lineage.RowLineage.NodeStateLineage;
import io.elspeth.audit.lineage.RowLineage.TokenLineage;
import io.elspeth.audit.lineage.RunGraph;
import io.elspeth.audit.payload.PayloadLookup;
import io.elspeth.audit.payload.PayloadStore;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A row: the lineage page of {@code explain --html} (facts, the DAG with the row's path, every node
 * state with its hashes, gate decisions, routes, outcome, artifact), then every external call with
 * the request and response the payload store holds and whether each still matches the hash the
 * Landscape recorded. Stored requests carry secrets only as fingerprints: the audited clients
 * fingerprint them before anything is stored.
 */
final class RowPage {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RowPage() {}

  static String render(RowLineage lineage, RunGraph graph, @Nullable PayloadStore payloads) {
    StringBuilder h = new StringBuilder(32_768);
    h.append("<p>")
        .append(
            Page.link("/runs/" + Page.enc(lineage.run().runId()), "← run " + lineage.run().runId()))
        .append("</p>\n");
    h.append("<div id=\"lineage\">")
        .append(
            LineageHtml.body(
                lineage, graph, PayloadLookup.inspect(payloads, lineage.row().sourceDataRef())))
        .append("</div>\n");
    h.append("<h2>Source row against its hash</h2>\n<p id=\"source-check\">")
        .append(
            esc(
                check(payloads, lineage.row().sourceDataRef(), lineage.row().sourceDataHash())
                    .summary()))
        .append("</p>\n");
    boolean any = false;
    for (TokenLineage t : lineage.tokens()) {
      for (NodeStateLineage s : t.nodeStates()) {
        for (Call c : s.calls()) {
          if (!any) {
            h.append("<h2>External calls</h2>\n");
            any = true;
          }
          call(h, s, c, payloads);
        }
      }
    }
    return Page.frame(
        "Row " + lineage.row().rowIndex() + " of run " + lineage.run().runId(), h.toString());
  }

  private static void call(
      StringBuilder h, NodeStateLineage s, Call c, @Nullable PayloadStore payloads) {
    h.append("<h3 class=\"mono\">")
        .append(
            esc(
                s.nodeId()
                    + " · call "
                    + c.callIndex()
                    + " · "
                    + c.callType()
                    + " · "
                    + c.status()))
        .append("</h3>\n<table class=\"facts\">");
    PayloadCheck request = check(payloads, c.requestRef(), c.requestHash());
    PayloadCheck response = check(payloads, c.responseRef(), c.responseHash());
    fact(h, "request", c.requestHash() + " — " + request.summary());
    fact(
        h,
        "response",
        (c.responseHash() == null ? "-" : c.responseHash()) + " — " + response.summary());
    if (c.latencyMs() != null) {
      fact(h, "latency", String.format(java.util.Locale.ROOT, "%.1f ms", c.latencyMs()));
    }
    String usage = usage(response.text());
    if (usage != null) {
      fact(h, "tokens", usage);
    }
    if (c.errorJson() != null) {
      fact(h, "error", c.errorJson().toString());
    }
    h.append("</table>\n");
    payload(h, "Request as stored", request.text());
    payload(h, "Response as stored", response.text());
  }

  private static void fact(StringBuilder h, String name, String value) {
    h.append("<tr><td>")
        .append(esc(name))
        .append("</td><td class=\"mono\">")
        .append(esc(value))
        .append("</td></tr>");
  }

  private static void payload(StringBuilder h, String title, @Nullable String text) {
    if (text != null) {
      h.append("<details><summary>")
          .append(esc(title))
          .append("</summary><pre>")
          .append(esc(pretty(text)))
          .append("</pre></details>\n");
    }
  }

  /** Token usage of an LLM response ({@code usage} of the stored response), if it has one. */
  private static @Nullable String usage(@Nullable String response) {
    if (response == null) {
      return null;
    }
    try {
      JsonNode u = JSON.readTree(response).findValue("usage");
      if (u == null || !u.isObject()) {
        return null;
      }
      return "prompt "
          + u.path("prompt_tokens").asText("-")
          + ", completion "
          + u.path("completion_tokens").asText("-")
          + ", total "
          + u.path("total_tokens").asText("-");
    } catch (java.io.IOException e) {
      return null;
    }
  }

  /**
   * A stored payload and whether it matches the hash the Landscape recorded for it.
   *
   * @param lookup what the store holds (corrupt: content that does not match its key)
   * @param matches whether the stored content hashes to the recorded hash (null: nothing to
   *     compare)
   */
  record PayloadCheck(PayloadLookup lookup, @Nullable Boolean matches) {
    @Nullable String text() {
      return lookup.text();
    }

    String summary() {
      String state = lookup.describe();
      return matches == null
          ? state
          : state + (matches ? ", matches its hash" : ", DOES NOT match its hash");
    }
  }

  static PayloadCheck check(
      @Nullable PayloadStore payloads, @Nullable String ref, @Nullable String recordedHash) {
    PayloadLookup found = PayloadLookup.inspect(payloads, ref);
    String text = found.text();
    if (text == null || recordedHash == null) {
      return new PayloadCheck(found, null);
    }
    String canonical;
    try {
      canonical = CanonicalJson.stableHash(CanonicalJson.parse(text));
    } catch (RuntimeException e) {
      canonical = null;
    }
    return new PayloadCheck(
        found,
        recordedHash.equals(canonical)
            || recordedHash.equals(
                CanonicalJson.sha256Hex(
                    Objects.requireNonNull(found.content(), "a payload with text has content"))));
  }

  private static String pretty(String json) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(json));
    } catch (java.io.IOException e) {
      return json;
    }
  }
}
