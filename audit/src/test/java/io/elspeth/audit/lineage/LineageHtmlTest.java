package io.elspeth.audit.lineage;

import static io.elspeth.audit.lineage.LineageFixture.at;
import static io.elspeth.audit.lineage.LineageFixture.hash;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.payload.PayloadLookup;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class LineageHtmlTest {
  static final String SOURCE = "source_csv_aaaaaaaaaaaa";
  static final String ENRICH = "transform_enrich_bbbbbbbbbbbb";
  static final String GATE = "config_gate_big_cccccccccccc";
  static final String OUTPUT = "sink_output_dddddddddddd";
  static final String HIGH = "sink_high_eeeeeeeeeeee";
  static final String ERRORS = "sink_errors_111111111111";
  static final String EVIL = "<script>alert('x')</script>";

  @TempDir Path dir;
  LandscapeStore store;

  @BeforeEach
  void landscape() {
    store = LandscapeStore.open(LandscapeUrl.parse("sqlite:///" + dir.resolve("l.db")));
    LineageFixture f = new LineageFixture("run-h", at(0), at(60_000));
    f.node(SOURCE, "csv", "source")
        .node(ENRICH, "http_enrich", "transform")
        .node(GATE, "config_gate", "gate")
        .node(OUTPUT, "csv", "sink")
        .node(HIGH, "csv", "sink")
        .node(ERRORS, "json", "sink");
    f.edge("e-src", SOURCE, ENRICH, "continue", "move")
        .edge("e-enrich", ENRICH, GATE, "continue", "move")
        .edge("e-gate", GATE, OUTPUT, "continue", "move")
        .edge("e-high", GATE, HIGH, "true", "move")
        .edge("e-err", ENRICH, ERRORS, "__error_enrich__", "divert");
    f.row("row-a", 0, SOURCE);
    f.token("tok-a", "row-a", null, null, at(0));
    f.completed("s-a0", "tok-a", SOURCE, 0, null, at(0), at(1));
    f.completed("s-a1", "tok-a", ENRICH, 1, null, at(1), at(2));
    f.call("c-a1", "s-a1", 0, "success", null);
    f.completed(
        "s-a2",
        "tok-a",
        GATE,
        2,
        "{\"condition\":\"row['amount'] > 100 && 1 < 2\","
            + "\"result\":true,\"route_label\":\"true\"}",
        at(2),
        at(3));
    f.routing("ev-a2", "s-a2", "e-high", "move");
    f.completed("s-a3", "tok-a", HIGH, 3, null, at(10), at(20));
    f.artifact("art-high", "s-a3", HIGH, "/out/high.csv", at(20));
    f.outcome("out-a", "tok-a", "routed", "high", null, null, null);
    f.transformError(
        "terr-a",
        "tok-a",
        ENRICH,
        hash("row-a"),
        "{\"reason\":\"" + EVIL.replace("'", "\\u0027") + "\"}",
        "errors");
    f.commit(store);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private String page(PayloadLookup payload) throws Exception {
    try (Connection c = store.connection()) {
      RowLineage lineage = LineageQuery.explainRow(c, "run-h", "0").orElseThrow();
      return LineageHtml.page(lineage, RunGraph.read(c, "run-h"), payload);
    }
  }

  private static Document parse(String html) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(false);
    f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    return f.newDocumentBuilder()
        .parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
  }

  private static List<String> attributes(Document doc, String xpath, String attribute)
      throws Exception {
    NodeList nodes =
        (NodeList)
            XPathFactory.newInstance().newXPath().evaluate(xpath, doc, XPathConstants.NODESET);
    List<String> values = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      values.add(((Element) nodes.item(i)).getAttribute(attribute));
    }
    return values;
  }

  @Test
  void thePageIsWellFormedAndHighlightsTheNodesTheRowVisited() throws Exception {
    FilesystemPayloadStore payloads = FilesystemPayloadStore.at(dir.resolve("payloads"));
    String ref = payloads.store("{\"amount\":150}".getBytes(StandardCharsets.UTF_8));

    Document doc = parse(page(PayloadLookup.find(payloads, ref)));

    assertThat(
        attributes(doc, "//*[@class='node visited']", "id"),
        containsInAnyOrder("node-" + SOURCE, "node-" + ENRICH, "node-" + GATE, "node-" + HIGH));
    assertThat(
        attributes(doc, "//*[@class='node']", "id"),
        containsInAnyOrder("node-" + OUTPUT, "node-" + ERRORS));
    assertThat(
        attributes(doc, "//*[@class='edge taken']/*[local-name()='title']/..", "class").size(),
        is(3));
    String text = doc.getDocumentElement().getTextContent();
    assertThat(text, containsString("available (ref " + ref + ")"));
    assertThat(text, containsString("\"amount\" : 150"));
    assertThat(text, containsString("gate: row['amount'] > 100 && 1 < 2 => true"));
    assertThat(text, containsString("/out/high.csv"));
    assertThat(text, containsString(hash("in-s-a2")));
    assertThat(text, containsString("call 0 http success"));
  }

  @Test
  void rowDataAndErrorTextAreEscapedSoNoScriptReachesThePage() throws Exception {
    FilesystemPayloadStore payloads = FilesystemPayloadStore.at(dir.resolve("payloads"));
    String ref = payloads.store(("{\"note\":\"" + EVIL + "\"}").getBytes(StandardCharsets.UTF_8));

    String html = page(PayloadLookup.find(payloads, ref));

    assertThat(html, not(containsString("<script")));
    assertThat(html, containsString("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assertThat(html, not(containsString("http://" + "cdn")));
    assertThat(html, not(containsString("src=")));
    assertThat(parse(html).getDocumentElement().getTextContent(), containsString(EVIL));
  }

  @Test
  void aPurgedPayloadIsReportedWithoutData() throws Exception {
    FilesystemPayloadStore payloads = FilesystemPayloadStore.at(dir.resolve("payloads"));

    String html = page(PayloadLookup.find(payloads, hash("row-a")));

    assertThat(html, containsString("purged (ref " + hash("row-a") + ")"));
    assertThat(html, not(containsString("Source row as stored")));
  }
}
