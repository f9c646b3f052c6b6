package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.pipelines.openlineage.OpenLineageSchemaCheck;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenLineage events of runs made through the CLI, read by a receiver on loopback and from the file
 * transport, each checked against the official OpenLineage JSON schema: START then COMPLETE (or
 * FAIL) naming the input file and the sink files with their schemas and row counts, the run linked
 * to its Landscape run; the API key sent only in the Authorization header; a lineage server that
 * fails leaves the run, its outputs and its Landscape as they would be without it.
 */
@Tag("e2e")
class OpenLineageEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String API_KEY = "ol-test-key-7f3a9c21d4";
  private static final String INPUT =
      "id,customer,amount\n1,alice,250\n2,bob,1500.5\n" + "3,carol,not-a-number\n4,dave,20000\n";

  private static String settings(Path dir, String sinkOptions, String lineage) {
    return """
        name: big-spenders
        description: Routes large amounts for review
        source:
          plugin: csv
          options:
            path: %1$s/input.csv
            schema: {mode: strict, fields: ["id: int", "customer: str", "amount: float"]}
            on_validation_failure: quarantine
        gates:
          - name: big
            condition: "row['amount'] > 1000"
            routes: {"true": high, "false": continue}
        sinks:
          normal: {plugin: csv, options: {path: %1$s/normal.csv %2$s}}
          high: {plugin: csv, options: {path: %1$s/high.csv}}
          quarantine: {plugin: json, options: {path: %1$s/quarantine.jsonl}}
        default_sink: normal
        landscape:
          url: sqlite:///%1$s/landscape.db
        payload_store: {base_path: %1$s/payloads}
        %3$s
        """
        .formatted(dir, sinkOptions, lineage);
  }

  private static String lineage(Path dir, String url) {
    return """
        lineage:
          namespace: finance
          console_url: http://127.0.0.1:8765
          http: {url: "%s", api_key: %s, timeout_seconds: 2}
          file: %s/lineage/events.jsonl
        """
        .formatted(url, API_KEY, dir);
  }

  private static CliHarness.Result run(Path dir, String yaml) throws Exception {
    return run(dir, yaml, INPUT);
  }

  private static CliHarness.Result run(Path dir, String yaml, String input) throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("input.csv"), input);
    return CliHarness.run("run", "-s", CliHarness.settings(dir, yaml).toString(), "--execute");
  }

  private static String runId(Path dir) throws Exception {
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      return (String) CliHarness.query(c, "SELECT run_id FROM runs").get(0).get("run_id");
    }
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + json, e);
    }
  }

  private static Map<String, Long> outputCounts(JsonNode event) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (JsonNode o : event.path("outputs")) {
      out.put(
          Path.of(o.path("name").asText()).getFileName().toString(),
          o.at("/outputFacets/outputStatistics/rowCount").asLong(-1));
    }
    return out;
  }

  @Test
  void aCompletedRunSendsStartThenCompleteOverHttpAndToTheFile(@TempDir Path dir) throws Exception {
    try (OpenLineageReceiver receiver = OpenLineageReceiver.start()) {
      CliHarness.Result r = run(dir, settings(dir, "", lineage(dir, receiver.url())));
      assertThat(r.err(), r.exitCode(), is(0));
      String runId = runId(dir);
      List<OpenLineageReceiver.Received> got = receiver.received();
      assertThat(
          got.stream().map(g -> parse(g.body()).path("eventType").asText()).toList(),
          contains("START", "COMPLETE"));
      assertThat(
          got.stream().map(OpenLineageReceiver.Received::authorization).toList(),
          everyItem(is("Bearer " + API_KEY)));
      assertThat(
          got.stream().map(OpenLineageReceiver.Received::contentType).toList(),
          everyItem(containsString("application/json")));
      for (OpenLineageReceiver.Received g : got) {
        assertThat(g.body(), OpenLineageSchemaCheck.problems(g.body()), empty());
        assertThat(g.body(), not(containsString(API_KEY)));
      }
      JsonNode start = parse(got.get(0).body());
      JsonNode complete = parse(got.get(1).body());
      for (JsonNode e : List.of(start, complete)) {
        assertThat(e.at("/job/namespace").asText(), is("finance"));
        assertThat(e.at("/job/name").asText(), is("big-spenders"));
        assertThat(e.at("/run/facets/elspeth/landscapeRunId").asText(), is(runId));
        assertThat(
            e.at("/run/facets/elspeth/consoleUrl").asText(),
            is("http://127.0.0.1:8765/runs/" + runId));
        assertThat(e.at("/run/runId").asText().replace("-", ""), is(runId));
        assertThat(e.at("/inputs/0/namespace").asText(), is("file"));
        assertThat(e.at("/inputs/0/name").asText(), is(dir.resolve("input.csv").toString()));
        List<String> fields = new ArrayList<>();
        e.at("/inputs/0/facets/schema/fields")
            .forEach(f -> fields.add(f.path("name").asText() + ":" + f.path("type").asText()));
        assertThat(fields, contains("id:int", "customer:str", "amount:float"));
        List<String> outputs = new ArrayList<>();
        e.path("outputs")
            .forEach(
                o -> outputs.add(o.path("namespace").asText() + " " + o.path("name").asText()));
        assertThat(
            outputs,
            containsInAnyOrder(
                "file " + dir.resolve("normal.csv"),
                "file " + dir.resolve("high.csv"),
                "file " + dir.resolve("quarantine.jsonl")));
      }
      assertThat(start.at("/inputs/0/inputFacets").isMissingNode(), is(true));
      // The counts are the Landscape's: 4 rows read; 1 normal, 2 high, 1 quarantined.
      assertThat(complete.at("/inputs/0/inputFacets/inputStatistics/rowCount").asLong(), is(4L));
      assertThat(
          outputCounts(complete),
          is(Map.of("normal.csv", 1L, "high.csv", 2L, "quarantine.jsonl", 1L)));
      // The file transport (relative to the settings file) holds the same events.
      List<String> lines = CliHarness.lines(dir.resolve("lineage/events.jsonl"));
      assertThat(lines, is(got.stream().map(OpenLineageReceiver.Received::body).toList()));
      // The key reached the receiver's header only: not the Landscape, not the CLI's output.
      assertThat(
          new String(Files.readAllBytes(dir.resolve("landscape.db")), StandardCharsets.ISO_8859_1),
          not(containsString(API_KEY)));
      assertThat(r.out() + r.err(), not(containsString(API_KEY)));
    }
  }

  @Test
  void aFailedRunSendsFailWithItsError(@TempDir Path dir) throws Exception {
    try (OpenLineageReceiver receiver = OpenLineageReceiver.start()) {
      // Row 1 cannot be written to an ASCII file: the run fails before any sink publishes.
      CliHarness.Result r =
          run(
              dir,
              settings(dir, ", encoding: ascii", lineage(dir, receiver.url())),
              INPUT.replace("1,alice", "1,al\u00efce"));
      assertThat(r.err(), r.exitCode(), not(is(0)));
      List<JsonNode> events = receiver.received().stream().map(g -> parse(g.body())).toList();
      assertThat(
          events.stream().map(e -> e.path("eventType").asText()).toList(),
          contains("START", "FAIL"));
      for (OpenLineageReceiver.Received g : receiver.received()) {
        assertThat(g.body(), OpenLineageSchemaCheck.problems(g.body()), empty());
      }
      JsonNode fail = events.get(1);
      assertThat(fail.at("/run/facets/errorMessage/message").asText(), containsString("normal"));
      assertThat(fail.at("/run/facets/errorMessage/programmingLanguage").asText(), is("Java"));
      try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
        assertThat(
            CliHarness.query(c, "SELECT status FROM runs").get(0).get("status"), is("failed"));
      }
    }
  }

  @Test
  void aFailingLineageServerLeavesTheRunAsItWouldBe(@TempDir Path dir) throws Exception {
    CliHarness.Result plain = run(dir.resolve("plain"), settings(dir.resolve("plain"), "", ""));
    assertThat(plain.err(), plain.exitCode(), is(0));
    PrintStream stderr = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    CliHarness.Result down;
    try (OpenLineageReceiver receiver = OpenLineageReceiver.start()) {
      receiver.answerWith(503);
      Path d = dir.resolve("down");
      System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
      try {
        down = run(d, settings(d, "", lineage(d, receiver.url())));
      } finally {
        System.setErr(stderr);
      }
      assertThat(down.err(), down.exitCode(), is(0));
      assertThat(receiver.received().size(), is(2));
    }
    for (String f : List.of("normal.csv", "high.csv", "quarantine.jsonl")) {
      assertThat(
          f,
          Files.readString(dir.resolve("down").resolve(f)),
          is(Files.readString(dir.resolve("plain").resolve(f))));
    }
    try (Connection c = CliHarness.landscape(dir.resolve("down/landscape.db"))) {
      assertThat(
          CliHarness.query(c, "SELECT status FROM runs").get(0).get("status"), is("completed"));
    }
    String logged = log.toString(StandardCharsets.UTF_8);
    assertThat(logged, containsString("openlineage event not delivered event_type=START"));
    assertThat(logged, containsString("HTTP 503"));
    assertThat(logged, not(containsString(API_KEY)));
    assertThat(down.out() + down.err(), not(containsString(API_KEY)));
    // The file transport still got both events.
    assertThat(CliHarness.lines(dir.resolve("down/lineage/events.jsonl")).size(), is(2));
  }

  @Test
  void aResumeSendsAbortForTheRunItFindsInterrupted(@TempDir Path dir) throws Exception {
    Path settings = CrashHarness.gatePipeline(dir, 40, "sqlite:///" + dir.resolve("l.db"));
    Path events = dir.resolve("lineage.jsonl");
    Files.writeString(settings, Files.readString(settings) + "lineage: {file: " + events + "}\n");
    // kill -9 once the rows are through: the run stays 'running', with no end sent.
    CrashHarness.Outcome o =
        CrashHarness.elspeth(dir, "launch.reconcile", "run", "-s", settings.toString(), "-x");
    assertThat(o.output(), o.killed(), is(true));
    String first;
    try (Connection c = CliHarness.landscape(dir.resolve("l.db"))) {
      first = (String) CliHarness.query(c, "SELECT run_id FROM runs").get(0).get("run_id");
    }
    CliHarness.Result r = CliHarness.run("resume", first, "-s", settings.toString(), "-x");
    assertThat(r.err(), r.exitCode(), is(0));
    List<JsonNode> sent =
        CliHarness.lines(events).stream().map(OpenLineageEndToEndTest::parse).toList();
    List<String> seen =
        sent.stream()
            .map(
                e ->
                    e.path("eventType").asText()
                        + " "
                        + e.at("/run/facets/elspeth/landscapeRunId").asText())
            .toList();
    String second = sent.get(sent.size() - 1).at("/run/facets/elspeth/landscapeRunId").asText();
    assertThat(
        seen,
        contains("START " + first, "ABORT " + first, "START " + second, "COMPLETE " + second));
    for (JsonNode e : sent) {
      assertThat(e.toString(), OpenLineageSchemaCheck.problems(e.toString()), empty());
    }
  }

  @Test
  void aBadLineageSectionIsRefusedNamingTheKey(@TempDir Path dir) throws Exception {
    CliHarness.Result r =
        run(
            dir,
            settings(
                dir,
                "",
                """
        lineage:
          http: {url: "localhost:5000"}
        """));
    assertThat(r.exitCode(), not(is(0)));
    assertThat(
        r.err(),
        containsString(
            "lineage.http.url: expected an http(s) URL such as"
                + " http://localhost:5000, got 'localhost:5000'"));
    r =
        run(
            dir,
            settings(
                dir,
                "",
                """
        lineage:
          consol: true
        """));
    assertThat(r.exitCode(), not(is(0)));
    assertThat(r.err(), containsString("lineage.consol: unknown option"));
  }
}
