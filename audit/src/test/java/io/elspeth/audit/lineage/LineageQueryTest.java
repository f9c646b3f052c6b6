package io.elspeth.audit.lineage;

import static io.elspeth.audit.lineage.LineageFixture.at;
import static io.elspeth.audit.lineage.LineageFixture.hash;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineageQueryTest {
  // run-1: source -> enrich -> gate 'big' -> sinks output / high; quarantine and error sinks
  static final String SOURCE = "source_csv_aaaaaaaaaaaa";
  static final String ENRICH = "transform_enrich_bbbbbbbbbbbb";
  static final String GATE = "config_gate_big_cccccccccccc";
  static final String OUTPUT = "sink_output_dddddddddddd";
  static final String HIGH = "sink_high_eeeeeeeeeeee";
  static final String QUARANTINE = "sink_quarantine_ffffffffffff";
  static final String ERRORS = "sink_errors_111111111111";
  // run-2: source -> json_explode -> sink output (same node id as in run-1, other plugin)
  static final String SOURCE2 = "source_json_222222222222";
  static final String EXPLODE = "transform_explode_333333333333";

  static final String GATE_TRUE =
      "{\"condition\":\"row['amount'] > 100\",\"result\":true,\"route_label\":\"true\"}";

  @TempDir Path dir;
  LandscapeStore store;

  @BeforeEach
  void buildLandscape() {
    store = LandscapeStore.open(LandscapeUrl.parse("sqlite:///" + dir.resolve("landscape.db")));
    runOne().commit(store);
    runTwo().commit(store);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static LineageFixture runOne() {
    LineageFixture f = new LineageFixture("run-1", at(0), at(3_600_000));
    f.node(SOURCE, "csv", "source")
        .node(ENRICH, "http_enrich", "transform")
        .node(GATE, "config_gate", "gate")
        .node(OUTPUT, "csv", "sink")
        .node(HIGH, "csv", "sink")
        .node(QUARANTINE, "csv", "sink")
        .node(ERRORS, "json", "sink");
    f.edge("e-src", SOURCE, ENRICH, "continue", "move")
        .edge("e-enrich", ENRICH, GATE, "continue", "move")
        .edge("e-gate", GATE, OUTPUT, "continue", "move")
        .edge("e-high", GATE, HIGH, "true", "move")
        .edge("e-quar", SOURCE, QUARANTINE, "__quarantine__", "divert")
        .edge("e-err", ENRICH, ERRORS, "__error_enrich__", "divert");

    // row-a: valid, enriched with one HTTP call, routed by the gate to sink 'high'
    f.row("row-a", 0, SOURCE);
    f.token("tok-a", "row-a", null, null, at(0));
    f.completed("s-a0", "tok-a", SOURCE, 0, null, at(0), at(1));
    f.completed("s-a1", "tok-a", ENRICH, 1, null, at(1), at(2));
    f.call("c-a1", "s-a1", 0, "success", null);
    f.completed("s-a2", "tok-a", GATE, 2, GATE_TRUE, at(2), at(3));
    f.routing("ev-a2", "s-a2", "e-high", "move");
    f.completed("s-a3", "tok-a", HIGH, 3, null, at(10), at(20));
    f.artifact("art-high", "s-a3", HIGH, "/out/high.csv", at(20));
    f.outcome("out-a", "tok-a", "routed", "high", null, null, null);

    // row-b: quarantined by the source
    f.row("row-b", 1, SOURCE);
    f.token("tok-b", "row-b", null, null, at(1));
    f.failed(
        "s-b0",
        "tok-b",
        SOURCE,
        0,
        "{\"exception\":\"amount: not an int\",\"type\":\"ValidationError\"}",
        at(1),
        at(2));
    f.routing("ev-b0", "s-b0", "e-quar", "divert");
    f.validationError(
        "verr-b", SOURCE, hash("row-b"), "amount: expected int, got str", "quarantine");
    f.validationError("verr-other", SOURCE, hash("some other row"), "other", "quarantine");
    f.completed("s-b3", "tok-b", QUARANTINE, 3, null, at(30), at(31));
    f.artifact("art-quar", "s-b3", QUARANTINE, "/out/quarantine.csv", at(31));
    f.outcome("out-b", "tok-b", "quarantined", "quarantine", null, "e1e1e1e1e1e1e1e1", null);

    // row-c: the transform returns an error, diverted to sink 'errors'
    f.row("row-c", 2, SOURCE);
    f.token("tok-c", "row-c", null, null, at(2));
    f.completed("s-c0", "tok-c", SOURCE, 0, null, at(2), at(3));
    f.failed(
        "s-c1",
        "tok-c",
        ENRICH,
        1,
        "{\"exception\":\"lookup failed\",\"type\":\"TransformError\"}",
        at(3),
        at(4));
    f.call("c-c1", "s-c1", 0, "error", "{\"message\":\"503\",\"type\":\"HTTPError\"}");
    f.routing("ev-c1", "s-c1", "e-err", "divert");
    f.transformError(
        "terr-c",
        "tok-c",
        ENRICH,
        hash("row-c"),
        "{\"reason\":\"api_error\",\"status\":503}",
        "errors");
    f.completed("s-c3", "tok-c", ERRORS, 3, null, at(40), at(41));
    f.artifact("art-err", "s-c3", ERRORS, "/out/errors.json", at(41));
    f.outcome("out-c", "tok-c", "routed", "errors", null, null, null);

    // row-d: the transform fails and the row is discarded
    f.row("row-d", 3, SOURCE);
    f.token("tok-d", "row-d", null, null, at(3));
    f.completed("s-d0", "tok-d", SOURCE, 0, null, at(3), at(4));
    f.failed(
        "s-d1",
        "tok-d",
        ENRICH,
        1,
        "{\"exception\":\"boom\",\"type\":\"TransformError\"}",
        at(4),
        at(5));
    f.transformError("terr-d", "tok-d", ENRICH, hash("row-d"), "{\"reason\":\"boom\"}", "discard");
    f.outcome("out-d", "tok-d", "failed", null, null, "abcdabcdabcdabcd", null);

    // row-e: the gate says false, the row continues to sink 'output'
    f.row("row-e", 4, SOURCE);
    f.token("tok-e", "row-e", null, null, at(4));
    f.completed("s-e0", "tok-e", SOURCE, 0, null, at(4), at(5));
    f.completed("s-e1", "tok-e", ENRICH, 1, null, at(5), at(6));
    f.completed(
        "s-e2",
        "tok-e",
        GATE,
        2,
        "{\"condition\":\"row['amount'] > 100\",\"result\":false,\"route_label\":\"continue\"}",
        at(6),
        at(7));
    f.completed("s-e3", "tok-e", OUTPUT, 3, null, at(50), at(51));
    f.artifact("art-out", "s-e3", OUTPUT, "/out/output.csv", at(51));
    f.outcome("out-e", "tok-e", "completed", "output", null, null, null);
    return f;
  }

  private static LineageFixture runTwo() {
    LineageFixture f = new LineageFixture("run-2", at(3_600_000), null);
    f.node(SOURCE2, "json", "source")
        .node(EXPLODE, "json_explode", "transform")
        .node(OUTPUT, "jsonl", "sink");
    f.edge("e2-src", SOURCE2, EXPLODE, "continue", "move")
        .edge("e2-out", EXPLODE, OUTPUT, "continue", "move");

    // row-y: written in an earlier sink write, with its own artifact
    f.row("row-y", 1, SOURCE2);
    f.token("tok-y", "row-y", null, null, at(1));
    f.completed("s-y0", "tok-y", SOURCE2, 0, null, at(1), at(2));
    f.completed("s-ys", "tok-y", OUTPUT, 2, null, at(150), at(160));
    f.artifact("art-early", "s-ys", OUTPUT, "/out/run2-part0.jsonl", at(160));
    f.outcome("out-y", "tok-y", "completed", "output", null, null, null);

    // row-x: exploded into two children, both written by one later sink write
    f.row("row-x", 0, SOURCE2);
    f.token("tok-x", "row-x", null, null, at(0));
    f.completed("s-x0", "tok-x", SOURCE2, 0, null, at(0), at(1));
    f.completed("s-x1", "tok-x", EXPLODE, 1, null, at(1), at(2));
    f.outcome("out-x", "tok-x", "expanded", null, "grp-x", null, "{\"count\":2}");
    f.token("tok-x1", "row-x", "grp-x", 1, at(100));
    f.token("tok-x2", "row-x", "grp-x", 1, at(101));
    f.parent("tok-x1", "tok-x", 0);
    f.parent("tok-x2", "tok-x", 0);
    f.completed("s-x1s", "tok-x1", OUTPUT, 2, null, at(200), at(210));
    f.completed("s-x2s", "tok-x2", OUTPUT, 2, null, at(200), at(210));
    f.artifact("art-x", "s-x1s", OUTPUT, "/out/run2.jsonl", at(210));
    f.outcome("out-x1", "tok-x1", "completed", "output", null, null, null);
    f.outcome("out-x2", "tok-x2", "completed", "output", null, null, null);
    return f;
  }

  private RowLineage explain(String runId, String row) throws SQLException {
    try (Connection c = store.connection()) {
      return LineageQuery.explainRow(c, runId, row).orElseThrow();
    }
  }

  private Optional<RowLineage> tryExplain(String runId, String row) throws SQLException {
    try (Connection c = store.connection()) {
      return LineageQuery.explainRow(c, runId, row);
    }
  }

  private void sql(String... statements) throws SQLException {
    try (Connection c = store.connection();
        Statement st = c.createStatement()) {
      for (String s : statements) {
        st.execute(s);
      }
    }
  }

  private static String h12(String label) {
    return hash(label).substring(0, 12);
  }

  @Test
  void validRowThroughTransformGateAndSinkHasItsWholeLineage() throws SQLException {
    RowLineage l = explain("run-1", "row-a");

    assertThat(
        l.run(),
        equalTo(
            new RowLineage.Run(
                "run-1",
                "completed",
                "2026-01-31T12:00:00.000000Z",
                "2026-01-31T13:00:00.000000Z",
                hash("config-run-1"))));
    assertThat(
        l.row(),
        equalTo(
            new RowLineage.SourceRow(
                "row-a",
                0,
                SOURCE,
                "csv",
                hash("row-a"),
                hash("row-a"),
                "2026-01-31T12:00:00.000000Z")));
    assertThat(l.validationErrors(), empty());
    assertThat(l.tokens(), hasSize(1));

    TokenLineage t = l.tokens().get(0);
    assertThat(t.tokenId(), is("tok-a"));
    assertThat(t.parentTokenIds(), empty());
    assertThat(t.forkGroupId(), nullValue());
    assertThat(t.joinGroupId(), nullValue());
    assertThat(t.expandGroupId(), nullValue());
    assertThat(t.stepInPipeline(), nullValue());
    assertThat(
        t.nodeStates().stream().map(NodeStateLineage::stateId).toList(),
        contains("s-a0", "s-a1", "s-a2", "s-a3"));

    NodeStateLineage source = t.nodeStates().get(0);
    assertThat(source.nodeId(), is(SOURCE));
    assertThat(source.pluginName(), is("csv"));
    assertThat(source.nodeType(), is("source"));
    assertThat(source.stepIndex(), is(0));
    assertThat(source.attempt(), is(0));
    assertThat(source.status(), is("completed"));
    assertThat(source.inputHash(), is(hash("in-s-a0")));
    assertThat(source.outputHash(), is(hash("out-s-a0")));
    assertThat(source.durationMs(), is(2.5));
    assertThat(source.startedAt(), is("2026-01-31T12:00:00.000000Z"));
    assertThat(source.completedAt(), is("2026-01-31T12:00:00.001000Z"));
    assertThat(source.errorJson(), nullValue());
    assertThat(source.contextAfterJson(), nullValue());
    assertThat(source.routingEvents(), empty());
    assertThat(source.calls(), empty());

    NodeStateLineage enrich = t.nodeStates().get(1);
    assertThat(enrich.pluginName(), is("http_enrich"));
    assertThat(enrich.nodeType(), is("transform"));
    assertThat(
        enrich.calls(),
        contains(
            new Call(
                "c-a1",
                0,
                "http",
                "success",
                hash("req-c-a1"),
                null,
                hash("resp-c-a1"),
                null,
                12.5,
                null)));

    NodeStateLineage gate = t.nodeStates().get(2);
    assertThat(gate.nodeType(), is("gate"));
    assertThat(gate.contextAfterJson().get("condition").asText(), is("row['amount'] > 100"));
    assertThat(gate.contextAfterJson().get("result").asBoolean(), is(true));
    assertThat(gate.contextAfterJson().get("route_label").asText(), is("true"));
    assertThat(
        gate.routingEvents(),
        contains(
            new RoutingEvent(
                "ev-a2",
                "e-high",
                "true",
                HIGH,
                "sink",
                "move",
                "grp-ev-a2",
                0,
                hash("reason-ev-a2"),
                null)));

    NodeStateLineage sink = t.nodeStates().get(3);
    assertThat(sink.nodeType(), is("sink"));
    assertThat(t.sinkState().orElseThrow().stateId(), is("s-a3"));

    assertThat(t.transformErrors(), empty());
    assertThat(t.outcomes(), hasSize(1));
    Outcome o = t.outcomes().get(0);
    assertThat(o.outcomeId(), is("out-a"));
    assertThat(o.outcome(), is("routed"));
    assertThat(o.isTerminal(), is(true));
    assertThat(o.sinkName(), is("high"));
    assertThat(o.errorHash(), nullValue());
    assertThat(t.terminalOutcome().orElseThrow(), equalTo(o));
    assertThat(
        t.artifact(),
        equalTo(
            new Artifact(
                "art-high",
                HIGH,
                "s-a3",
                "file",
                "/out/high.csv",
                hash("content-art-high"),
                123L,
                "2026-01-31T12:00:00.020000Z")));
  }

  @Test
  void textOfTheValidRowShowsEveryHop() throws SQLException {
    String text = LineageRenderer.text(explain("run-1", "row-a"));

    List<String> expected =
        List.of(
            "Run run-1 completed started 2026-01-31T12:00:00.000000Z completed"
                + " 2026-01-31T13:00:00.000000Z config "
                + h12("config-run-1"),
            "Row 0 (row-a) from " + SOURCE + " [csv] hash " + hash("row-a"),
            "token tok-a",
            "  step 0 "
                + SOURCE
                + " [csv] completed in="
                + h12("in-s-a0")
                + " out="
                + h12("out-s-a0"),
            "  step 1 "
                + ENRICH
                + " [http_enrich] completed in="
                + h12("in-s-a1")
                + " out="
                + h12("out-s-a1"),
            "    call 0 http success req="
                + h12("req-c-a1")
                + " resp="
                + h12("resp-c-a1")
                + " latency=12.5ms",
            "  step 2 "
                + GATE
                + " [config_gate] completed in="
                + h12("in-s-a2")
                + " out="
                + h12("out-s-a2"),
            "    gate: row['amount'] > 100 => true",
            "    route 'true' -> sink " + HIGH + " (move)",
            "  step 3 "
                + HIGH
                + " [csv] completed in="
                + h12("in-s-a3")
                + " out="
                + h12("out-s-a3"),
            "  outcome: routed at sink 'high' -> /out/high.csv (sha256 "
                + h12("content-art-high")
                + "...)");
    assertThat(text, is(String.join("\n", expected) + "\n"));
  }

  @Test
  void gateThatContinuesShowsTheRouteLabelAndTheSinkArtifact() throws SQLException {
    RowLineage l = explain("run-1", "row-e");
    String text = LineageRenderer.text(l);

    assertThat(text, containsString("    gate: row['amount'] > 100 => false\n"));
    assertThat(text, containsString("    route 'continue' -> continue\n"));
    assertThat(
        text,
        containsString(
            "  outcome: completed at sink 'output' -> /out/output.csv"
                + " (sha256 "
                + h12("content-art-out")
                + "...)\n"));
    assertThat(l.tokens().get(0).artifact().artifactId(), is("art-out"));
  }

  @Test
  void quarantinedRowHasItsValidationErrorDivertAndQuarantineSink() throws SQLException {
    RowLineage l = explain("run-1", "row-b");

    assertThat(
        l.validationErrors(),
        contains(
            new ValidationError(
                "verr-b",
                SOURCE,
                hash("row-b"),
                "amount: expected int, got str",
                "fixed",
                "quarantine",
                "type_mismatch",
                "Amount",
                "amount",
                "int",
                "str",
                "2026-01-31T12:00:00.000000Z")));
    TokenLineage t = l.tokens().get(0);
    NodeStateLineage source = t.nodeStates().get(0);
    assertThat(source.status(), is("failed"));
    assertThat(source.outputHash(), nullValue());
    assertThat(source.errorJson().get("type").asText(), is("ValidationError"));
    assertThat(source.routingEvents(), hasSize(1));
    assertThat(source.routingEvents().get(0).label(), is("__quarantine__"));
    assertThat(source.routingEvents().get(0).mode(), is("divert"));
    assertThat(source.routingEvents().get(0).toNodeId(), is(QUARANTINE));
    Outcome o = t.terminalOutcome().orElseThrow();
    assertThat(o.outcome(), is("quarantined"));
    assertThat(o.sinkName(), is("quarantine"));
    assertThat(o.errorHash(), is("e1e1e1e1e1e1e1e1"));
    assertThat(t.artifact().pathOrUri(), is("/out/quarantine.csv"));

    String text = LineageRenderer.text(l);
    assertThat(
        text,
        containsString(
            "validation errors:\n  - amount: expected int, got str"
                + " (schema fixed, destination 'quarantine', type_mismatch field 'Amount' expected int"
                + " actual str)\n"));
    assertThat(
        text,
        containsString("  step 0 " + SOURCE + " [csv] failed in=" + h12("in-s-b0") + " out=-\n"));
    assertThat(
        text,
        containsString(
            "    error: {\"exception\":\"amount: not an int\",\"type\":\"ValidationError\"}\n"));
    assertThat(
        text, containsString("    route '__quarantine__' -> sink " + QUARANTINE + " (divert)\n"));
    assertThat(
        text,
        containsString(
            "  outcome: quarantined at sink 'quarantine' ->"
                + " /out/quarantine.csv (sha256 "
                + h12("content-art-quar")
                + "...) (error_hash e1e1e1e1e1e1e1e1)\n"));
  }

  @Test
  void transformErrorIsShownWithItsFailedCallAndErrorSink() throws SQLException {
    RowLineage l = explain("run-1", "row-c");
    TokenLineage t = l.tokens().get(0);

    assertThat(t.transformErrors(), hasSize(1));
    TransformError e = t.transformErrors().get(0);
    assertThat(e.errorId(), is("terr-c"));
    assertThat(e.transformId(), is(ENRICH));
    assertThat(e.rowHash(), is(hash("row-c")));
    assertThat(e.destination(), is("errors"));
    assertThat(e.errorDetailsJson().get("status").asInt(), is(503));
    NodeStateLineage failed = t.nodeStates().get(1);
    assertThat(failed.calls().get(0).errorJson().get("type").asText(), is("HTTPError"));
    assertThat(failed.calls().get(0).responseHash(), nullValue());
    assertThat(failed.routingEvents().get(0).label(), is("__error_enrich__"));
    assertThat(t.artifact().artifactId(), is("art-err"));

    String text = LineageRenderer.text(l);
    assertThat(
        text,
        containsString(
            "    call 0 http error req="
                + h12("req-c-c1")
                + " resp=- latency=12.5ms error={\"message\":\"503\",\"type\":\"HTTPError\"}\n"));
    assertThat(
        text, containsString("    route '__error_enrich__' -> sink " + ERRORS + " (divert)\n"));
    assertThat(
        text,
        containsString(
            "  transform error at "
                + ENRICH
                + " -> 'errors': {\"reason\":\"api_error\",\"status\":503}\n"));
    assertThat(text, containsString("  outcome: routed at sink 'errors' -> /out/errors.json"));
  }

  @Test
  void failedRowHasAFailedOutcomeAndNoArtifact() throws SQLException {
    RowLineage l = explain("run-1", "3");
    TokenLineage t = l.tokens().get(0);

    assertThat(t.tokenId(), is("tok-d"));
    assertThat(t.sinkState().isPresent(), is(false));
    assertThat(t.artifact(), nullValue());
    assertThat(t.terminalOutcome().orElseThrow().outcome(), is("failed"));
    assertThat(t.transformErrors().get(0).destination(), is("discard"));
    String text = LineageRenderer.text(l);
    assertThat(text, containsString("  outcome: failed (error_hash abcdabcdabcdabcd)\n"));
    assertThat(
        text,
        containsString(
            "  transform error at " + ENRICH + " -> 'discard': {\"reason\":\"boom\"}\n"));
  }

  @Test
  void explodedRowHasTwoChildrenEachReachingTheSink() throws SQLException {
    RowLineage l = explain("run-2", "row-x");

    assertThat(
        l.tokens().stream().map(TokenLineage::tokenId).toList(),
        contains("tok-x", "tok-x1", "tok-x2"));
    assertThat(l.rootTokens().stream().map(TokenLineage::tokenId).toList(), contains("tok-x"));
    assertThat(
        l.children("tok-x").stream().map(TokenLineage::tokenId).toList(),
        contains("tok-x1", "tok-x2"));

    TokenLineage parent = l.tokens().get(0);
    Outcome expanded = parent.terminalOutcome().orElseThrow();
    assertThat(expanded.outcome(), is("expanded"));
    assertThat(expanded.expandGroupId(), is("grp-x"));
    assertThat(expanded.expectedBranchesJson().get("count").asInt(), is(2));
    assertThat(parent.artifact(), nullValue());
    assertThat(parent.nodeStates().get(1).pluginName(), is("json_explode"));

    for (TokenLineage child : l.tokens().subList(1, 3)) {
      assertThat(child.parentTokenIds(), contains("tok-x"));
      assertThat(child.expandGroupId(), is("grp-x"));
      assertThat(child.stepInPipeline(), is(1));
      assertThat(child.nodeStates(), hasSize(1));
      NodeStateLineage sink = child.nodeStates().get(0);
      assertThat(sink.nodeId(), is(OUTPUT));
      // same node id as run-1's csv sink: the join must use the run too
      assertThat(sink.pluginName(), is("jsonl"));
      assertThat(child.terminalOutcome().orElseThrow().outcome(), is("completed"));
      assertThat(child.terminalOutcome().orElseThrow().sinkName(), is("output"));
      // the artifact is linked to the first child's state only; the second is found by its write
      assertThat(child.artifact().artifactId(), is("art-x"));
      assertThat(child.artifact().pathOrUri(), is("/out/run2.jsonl"));
    }
    assertThat(explain("run-2", "row-y").tokens().get(0).artifact().artifactId(), is("art-early"));

    String text = LineageRenderer.text(l);
    assertThat(text, containsString("token tok-x\n"));
    assertThat(
        text,
        containsString("  outcome: expanded (expand group grp-x, expected" + " {\"count\":2})\n"));
    assertThat(
        text,
        containsString(
            "  token tok-x1 (expand group grp-x, parent tok-x)\n"
                + "    step 2 "
                + OUTPUT
                + " [jsonl] completed"));
    assertThat(text, containsString("  token tok-x2 (expand group grp-x, parent tok-x)\n"));
    assertThat(
        text,
        containsString(
            "    outcome: completed at sink 'output' -> /out/run2.jsonl"
                + " (sha256 "
                + h12("content-art-x")
                + "...)\n"));
    assertThat(text.indexOf("token tok-x1"), is(lessThan(text.indexOf("token tok-x2"))));
  }

  @Test
  void rowIsFoundByIndexAndById() throws SQLException {
    assertThat(explain("run-1", "0").row().rowId(), is("row-a"));
    assertThat(explain("run-1", " 4 ").row().rowId(), is("row-e"));
    assertThat(explain("run-1", "row-e").row().rowIndex(), is(4L));
    assertThat(explain("run-2", "1").row().rowId(), is("row-y"));
    assertThat(explain("run-1", "0"), equalTo(explain("run-1", "row-a")));
  }

  @Test
  void unknownRowOrRunIsEmpty() throws SQLException {
    assertThat(tryExplain("run-1", "99").isPresent(), is(false));
    assertThat(tryExplain("run-1", "no-such-row").isPresent(), is(false));
    assertThat(tryExplain("run-1", "-1").isPresent(), is(false));
    assertThat(tryExplain("run-1", "row-x").isPresent(), is(false));
    assertThat(tryExplain("no-such-run", "0").isPresent(), is(false));
  }

  @Test
  void latestResolvesToTheNewestRun() throws SQLException {
    try (Connection c = store.connection()) {
      assertThat(LineageQuery.resolveRun(c, "latest"), is(Optional.of("run-2")));
      assertThat(LineageQuery.resolveRun(c, "run-1"), is(Optional.of("run-1")));
      assertThat(LineageQuery.resolveRun(c, "run-9"), is(Optional.empty()));
    }
  }

  @Test
  void latestOfAnEmptyLandscapeIsEmpty() throws SQLException {
    try (LandscapeStore empty =
            LandscapeStore.open(LandscapeUrl.parse("sqlite:///" + dir.resolve("empty.db")));
        Connection c = empty.connection()) {
      assertThat(LineageQuery.resolveRun(c, "latest"), is(Optional.empty()));
    }
  }

  @Test
  void parentTokenThatDoesNotExistIsAnIntegrityError() throws SQLException {
    sql(
        "INSERT INTO token_parents (token_id, parent_token_id, ordinal)"
            + " VALUES ('tok-x1', 'tok-ghost', 1)");

    AuditIntegrityException e =
        assertThrows(AuditIntegrityException.class, () -> explain("run-2", "row-x"));
    assertThat(e.getMessage(), containsString("tok-ghost"));
    assertThat(e.getMessage(), containsString("tok-x1"));
  }

  @Test
  void tokenOfAnotherRunUnderTheRowIsAnIntegrityError() throws SQLException {
    sql(
        "INSERT INTO tokens (token_id, row_id, run_id, created_at)"
            + " VALUES ('tok-stray', 'row-a', 'run-2', '2026-01-31 12:00:00.000000')");

    AuditIntegrityException e =
        assertThrows(AuditIntegrityException.class, () -> explain("run-1", "row-a"));
    assertThat(e.getMessage(), containsString("tok-stray"));
  }

  @Test
  void secondTerminalOutcomeIsAnIntegrityError() throws SQLException {
    // the unique index makes this impossible; drop it to simulate a damaged database
    sql(
        "DROP INDEX ix_token_outcomes_terminal_unique",
        "INSERT INTO token_outcomes (outcome_id, run_id, token_id, outcome, is_terminal,"
            + " recorded_at, sink_name) VALUES ('out-a2', 'run-1', 'tok-a', 'completed', 1,"
            + " '2026-01-31 12:00:01.000000', 'output')");

    AuditIntegrityException e =
        assertThrows(AuditIntegrityException.class, () -> explain("run-1", "row-a"));
    assertThat(e.getMessage(), containsString("tok-a"));
  }

  @Test
  void groupIdWithoutParentsIsAnIntegrityError() throws SQLException {
    sql("UPDATE tokens SET expand_group_id = 'grp-bad' WHERE token_id = 'tok-a'");

    AuditIntegrityException e =
        assertThrows(AuditIntegrityException.class, () -> explain("run-1", "row-a"));
    assertThat(e.getMessage(), containsString("tok-a"));
  }

  @Test
  void storedJsonThatDoesNotParseIsAnIntegrityError() throws SQLException {
    sql("UPDATE node_states SET context_after_json = '{not json' WHERE state_id = 's-a2'");

    AuditIntegrityException e =
        assertThrows(AuditIntegrityException.class, () -> explain("run-1", "row-a"));
    assertThat(e.getMessage(), containsString("s-a2"));
    assertThat(e.getMessage(), containsString("context_after_json"));
  }

  @Test
  void moreTokensThanOneInListAreReadInChunks() throws SQLException {
    LineageFixture f = new LineageFixture("run-3", at(0), at(1000));
    f.node(SOURCE2, "json", "source")
        .node(EXPLODE, "json_explode", "transform")
        .node(OUTPUT, "jsonl", "sink");
    f.row("row-big", 0, SOURCE2);
    f.token("tok-big", "row-big", null, null, at(0));
    f.completed("s-big0", "tok-big", SOURCE2, 0, null, at(0), at(1));
    f.completed("s-big1", "tok-big", EXPLODE, 1, null, at(1), at(2));
    f.outcome("out-big", "tok-big", "expanded", null, "grp-big", null, "{\"count\":1203}");
    int children = 2 * LineageQuery.CHUNK + 203;
    for (int i = 0; i < children; i++) {
      String id = String.format("tok-big-%04d", i);
      f.token(id, "row-big", "grp-big", 1, at(10));
      f.parent(id, "tok-big", 0);
      f.completed("s-" + id, id, OUTPUT, 2, null, at(20), at(30));
      f.outcome("out-" + id, id, "completed", "output", null, null, null);
    }
    f.artifact("art-big", "s-tok-big-0000", OUTPUT, "/out/big.jsonl", at(30));
    f.commit(store);

    RowLineage l = explain("run-3", "row-big");

    assertThat(l.tokens(), hasSize(children + 1));
    List<String> missing = new ArrayList<>();
    for (TokenLineage t : l.tokens().subList(1, children + 1)) {
      if (t.nodeStates().size() != 1
          || t.outcomes().size() != 1
          || t.artifact() == null
          || !t.parentTokenIds().equals(List.of("tok-big"))) {
        missing.add(t.tokenId());
      }
    }
    assertThat(missing, empty());
  }

  @Test
  void jsonHasSnakeCaseKeysAndParsedJsonColumns() throws Exception {
    JsonNode root = new ObjectMapper().readTree(LineageRenderer.json(explain("run-1", "row-a")));

    assertThat(root.get("run").get("run_id").asText(), is("run-1"));
    assertThat(root.get("run").get("started_at").asText(), is("2026-01-31T12:00:00.000000Z"));
    assertThat(root.get("row").get("row_index").asLong(), is(0L));
    assertThat(root.get("row").get("source_data_hash").asText(), is(hash("row-a")));
    assertThat(root.get("validation_errors").isArray(), is(true));
    JsonNode token = root.get("tokens").get(0);
    assertThat(token.get("token_id").asText(), is("tok-a"));
    assertThat(token.get("parent_token_ids").isArray(), is(true));
    assertThat(token.has("terminal_outcome"), is(false));
    assertThat(token.has("sink_state"), is(false));
    assertThat(root.has("root_tokens"), is(false));
    JsonNode gate = token.get("node_states").get(2);
    assertThat(gate.get("context_after_json").get("route_label").asText(), is("true"));
    assertThat(gate.get("plugin_name").asText(), is("config_gate"));
    assertThat(gate.get("routing_events").get(0).get("to_node_id").asText(), is(HIGH));
    assertThat(
        token.get("node_states").get(1).get("calls").get(0).get("latency_ms").asDouble(), is(12.5));
    assertThat(token.get("outcomes").get(0).get("is_terminal").asBoolean(), is(true));
    assertThat(token.get("outcomes").get(0).get("sink_name").asText(), is("high"));
    assertThat(token.get("artifact").get("path_or_uri").asText(), is("/out/high.csv"));
    assertThat(token.get("artifact").get("size_bytes").asLong(), is(123L));
    assertThat(token.get("artifact").get("content_hash").asText(), is(hash("content-art-high")));
    assertThat(LineageRenderer.json(explain("run-1", "row-a")), containsString("\n  \"run\""));
  }

  @Test
  void timestampsOfBothDialectsBecomeIsoUtcText() {
    String expected = "2026-01-31T12:00:00.123456Z";
    assertThat(StoredValues.time("2026-01-31 12:00:00.123456", "t", "id", "c"), is(expected));
    assertThat(
        StoredValues.time("2026-01-31 12:00:00", "t", "id", "c"),
        is("2026-01-31T12:00:00.000000Z"));
    assertThat(StoredValues.time("2026-01-31T13:00:00.123456+01:00", "t", "id", "c"), is(expected));
    assertThat(
        StoredValues.time(Timestamp.from(Instant.parse(expected)), "t", "id", "c"), is(expected));
    assertThat(
        StoredValues.time(OffsetDateTime.parse("2026-01-31T12:00:00.123456Z"), "t", "id", "c"),
        is(expected));
    assertThat(StoredValues.time(null, "t", "id", "c"), nullValue());
    AuditIntegrityException e =
        assertThrows(
            AuditIntegrityException.class,
            () -> StoredValues.time("yesterday", "runs", "run-7", "started_at"));
    assertThat(e.getMessage(), containsString("run-7"));
  }
}
