package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.telemetry.span.EventSpans;
import io.elspeth.testkit.otlp.OtlpReceiver;
import io.elspeth.testkit.otlp.ReceivedSpan;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI with telemetry: at granularity full to a live OTLP receiver, exactly the expected events
 * in order; with the exporter down, the same outputs and Landscape as without telemetry and the
 * health events on the last-resort channel.
 */
@Tag("e2e")
class TelemetryEndToEndTest {
  private static final String INPUT =
      "id,customer,amount\n1,alice,250\n2,bob,1500.5\n" + "3,carol,not-a-number\n4,dave,20000\n";

  private static String settings(Path dir, String telemetry) {
    return """
        source:
          plugin: csv
          options:
            path: %1$s/input.csv
            schema: {mode: strict, fields: ["id: int", "customer: str", "amount: float"]}
            on_validation_failure: quarantine
        transforms:
          - plugin: passthrough
        gates:
          - name: big
            condition: "row['amount'] > 1000"
            routes: {"true": high, "false": continue}
        sinks:
          normal: {plugin: csv, options: {path: %1$s/normal.csv}}
          high: {plugin: csv, options: {path: %1$s/high.csv}}
          quarantine: {plugin: json, options: {path: %1$s/quarantine.jsonl}}
        default_sink: normal
        landscape:
          url: sqlite:///%1$s/landscape.db
        %2$s
        """
        .formatted(dir, telemetry);
  }

  private static CliHarness.Result run(Path dir, String telemetry) throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("input.csv"), INPUT);
    Path s = CliHarness.settings(dir, settings(dir, telemetry));
    return CliHarness.run("run", "-s", s.toString(), "--execute", "--parallelism", "2");
  }

  private static String runId(Path dir) throws Exception {
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      return (String) CliHarness.query(c, "SELECT run_id FROM runs").get(0).get("run_id");
    }
  }

  @Test
  void fullGranularityDeliversExactlyTheExpectedEventsInOrder(@TempDir Path dir) throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      CliHarness.Result r =
          run(
              dir,
              """
          telemetry:
            enabled: true
            granularity: full
            exporters:
              - name: otlp
                options: {endpoint: "%s", protocol: http/protobuf}
          """
                  .formatted(receiver.httpEndpoint()));
      assertThat(r.err(), r.exitCode(), is(0));
      String runId = runId(dir);
      List<ReceivedSpan> spans = receiver.spans();
      List<String> names = spans.stream().map(ReceivedSpan::name).toList();
      // Lifecycle first and last, in order; the row events between them.
      assertThat(
          names.subList(0, 4),
          contains("RunStarted", "PhaseChanged", "PhaseChanged", "PhaseChanged"));
      assertThat(names.get(names.size() - 1), is("RunFinished"));
      assertThat(spans.get(1).attr("phase"), is("graph"));
      assertThat(spans.get(2).attr("phase"), is("source"));
      assertThat(spans.get(3).attr("phase"), is("process"));
      assertThat(spans.get(0).attr("source_plugin"), is("csv"));
      ReceivedSpan finished = spans.get(spans.size() - 1);
      assertThat(finished.attr("status"), is("completed"));
      assertThat(finished.attributes(), hasEntry("row_count", 4L));
      assertThat(
          spans.stream().map(ReceivedSpan::traceId).toList(),
          everyItem(is(EventSpans.traceId(runId))));
      assertThat(spans.stream().map(sp -> sp.attr("run_id")).toList(), everyItem(is(runId)));

      List<ReceivedSpan> rows = spans.subList(4, spans.size() - 1);
      List<String> summary = new ArrayList<>();
      for (ReceivedSpan s : rows) {
        summary.add(
            switch (s.name()) {
              case "RowCreated" -> "RowCreated";
              case "TransformCompleted" ->
                  "TransformCompleted " + s.attr("plugin_name") + " " + s.attr("status");
              case "GateEvaluated" ->
                  "GateEvaluated "
                      + s.attr("plugin_name")
                      + " "
                      + s.attributes().get("destinations");
              case "TokenCompleted" ->
                  "TokenCompleted " + s.attr("outcome") + " " + s.attr("sink_name");
              default -> s.name();
            });
      }
      assertThat(
          summary,
          containsInAnyOrder(
              "RowCreated",
              "RowCreated",
              "RowCreated",
              "RowCreated",
              "TransformCompleted passthrough completed",
              "TransformCompleted passthrough completed",
              "TransformCompleted passthrough completed",
              "GateEvaluated big [continue]",
              "GateEvaluated big [high]",
              "GateEvaluated big [high]",
              "TokenCompleted completed normal",
              "TokenCompleted routed high",
              "TokenCompleted routed high",
              "TokenCompleted quarantined quarantine"));
      // Every event of a row carries the row's id as recorded in the Landscape.
      try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
        List<Object> rowIds =
            CliHarness.query(c, "SELECT row_id FROM rows").stream()
                .map(m -> m.get("row_id"))
                .toList();
        for (ReceivedSpan s : rows) {
          assertThat(s.name(), rowIds, hasItem(s.attributes().get("row_id")));
        }
      }
    }
  }

  @Test
  void exporterDownLeavesOutputsAndLandscapeUnchangedAndReportsHealth(@TempDir Path dir)
      throws Exception {
    CliHarness.Result plain = run(dir.resolve("plain"), "");
    assertThat(plain.err(), plain.exitCode(), is(0));
    Path health = dir.resolve("health.jsonl");
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      receiver.failWith(503);
      CliHarness.Result down =
          run(
              dir.resolve("down"),
              """
          telemetry:
            enabled: true
            granularity: full
            fail_on_total_exporter_failure: false
            max_consecutive_failures: 2
            # One batch in flight: the streak trips after exactly two failed exports (with more in
            # flight, batches already sent when it trips fail and are counted too; batches not
            # sent yet are dropped instead).
            max_in_flight: 1
            health_file: %s
            exporters:
              - name: otlp
                options: {endpoint: "%s", protocol: http/protobuf}
          """
                  .formatted(health, receiver.httpEndpoint()));
      assertThat(down.err(), down.exitCode(), is(0));
    }
    for (String file : List.of("normal.csv", "high.csv", "quarantine.jsonl")) {
      assertThat(
          file,
          Files.readString(dir.resolve("down").resolve(file)),
          equalTo(Files.readString(dir.resolve("plain").resolve(file))));
    }
    assertThat(landscapeShape(dir.resolve("down")), equalTo(landscapeShape(dir.resolve("plain"))));

    ObjectMapper json = new ObjectMapper();
    List<JsonNode> events = new ArrayList<>();
    for (String line : Files.readAllLines(health)) {
      events.add(json.readTree(line));
    }
    List<String> types = events.stream().map(e -> e.path("event_type").asText()).toList();
    assertThat(types, hasItem("ExporterFailed"));
    assertThat(types, hasItem("AllExportersFailing"));
    assertThat(types, hasItem("TelemetryDisabled"));
    JsonNode last = events.get(events.size() - 1);
    assertThat(last.path("event_type").asText(), is("HealthSnapshot"));
    assertThat(last.path("last").asBoolean(), is(true));
    assertThat(last.path("disabled").asBoolean(), is(true));
    assertThat(last.path("events_emitted").asLong(), is(0L));
    assertThat(last.path("events_dropped").asLong(), not(0L));
    // The streak trips at the second failure; a batch already taken off the queue then is not
    // sent (its events are dropped, counted), so no failure is counted past the streak.
    assertThat(last.path("exporter_failures").path("otlp").asLong(), is(2L));
    JsonNode disabled = events.get(types.indexOf("TelemetryDisabled"));
    assertThat(disabled.path("consecutive_failures").asInt(), is(2));
  }

  @Test
  void aTotalFailureFailsTheCommandOnlyAfterTheRunCompleted(@TempDir Path dir) throws Exception {
    CliHarness.Result r;
    PrintStream stderr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      receiver.failWith(503);
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      try {
        r =
            run(
                dir,
                """
            telemetry:
              enabled: true
              granularity: rows
              max_consecutive_failures: 1
              exporters:
                - name: otlp
                  options: {endpoint: "%s", protocol: http/protobuf}
            """
                    .formatted(receiver.httpEndpoint()));
      } finally {
        System.setErr(stderr);
      }
      assertThat(r.exitCode(), is(1));
      // Each exporter failure is reported once, by its health line: no log line beside it.
      List<String> logged = captured.toString(StandardCharsets.UTF_8).lines().toList();
      assertThat(logged, hasItem(containsString("\"event_type\":\"ExporterFailed\"")));
      assertThat(logged, everyItem(not(containsString(" WARN "))));
      List<String> failures =
          logged.stream()
              .filter(l -> l.contains("\"ExporterFailed\""))
              .map(l -> l.replaceAll(".*\"failures\":(\\d+).*", "$1"))
              .toList();
      assertThat(
          "one line per failure", failures.size(), is((int) failures.stream().distinct().count()));
      assertThat(r.err(), containsString("telemetry: The exporter otlp failed to export a batch"));
      // What became of the run is said, with its id and counts, beside the telemetry error.
      assertThat(
          r.err(),
          containsString("The run itself finished and its Landscape record is" + " complete:"));
      assertThat(r.err(), containsString("  rows: 4 recorded"));
    }
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      Object runId = CliHarness.query(c, "SELECT run_id FROM runs").get(0).get("run_id");
      assertThat(
          CliHarness.query(c, "SELECT status FROM runs").get(0),
          equalTo(Map.of("status", "completed")));
      assertThat(r.err(), containsString("run " + runId + ": completed"));
    }
  }

  /** Row, token, state and outcome counts by kind: what must not depend on telemetry. */
  private static List<Map<String, Object>> landscapeShape(Path dir) throws Exception {
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      List<Map<String, Object>> shape = new ArrayList<>();
      shape.addAll(
          CliHarness.query(
              c,
              "SELECT status, (SELECT COUNT(*) FROM rows) AS r, "
                  + "(SELECT COUNT(*) FROM tokens) AS t, (SELECT COUNT(*) FROM node_states) AS s, "
                  + "(SELECT COUNT(*) FROM artifacts) AS a FROM runs"));
      shape.addAll(
          CliHarness.query(
              c,
              "SELECT r.row_index, o.outcome, o.sink_name, "
                  + "r.source_data_hash FROM token_outcomes o JOIN tokens t ON t.token_id = o.token_id "
                  + "JOIN rows r ON r.row_id = t.row_id ORDER BY r.row_index, o.outcome"));
      return shape;
    }
  }
}
