package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.testkit.postgres.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A row a sink cannot write, through the CLI: {@code on_write_failure: discard} records it and
 * writes the rest, a sink name diverts it there with the reason, and without the option the run
 * fails naming the sink, the row and the reason before any sink publishes anything.
 */
@Tag("e2e")
class SinkWriteFailureEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REASON =
      "the value of field 'name' cannot be encoded in US-ASCII (it would be altered)";

  @TempDir Path dir;

  @BeforeEach
  void writeInput() throws Exception {
    // Row 1 holds a character an ASCII file cannot hold; row 2 goes to another sink by a gate.
    Files.writeString(dir.resolve("in.csv"), "id,name\n0,alice\n1,caf\u00e9\n2,bob\n3,carol\n");
  }

  /** csv in, a gate sending id 2 to `high`, `out` an ASCII csv with the given option line. */
  private String pipeline(String onWriteFailure) {
    return """
        source:
          plugin: csv
          options:
            path: %1$s/in.csv
            schema: {mode: strict, fields: ["id: int", "name: str"]}
            on_validation_failure: discard
        gates:
          - name: split
            condition: "row['id'] == 2"
            routes: {"true": high, "false": continue}
        sinks:
          out:
            plugin: csv
            options: {path: %1$s/out.csv, encoding: ascii}
            %2$s
          high:
            plugin: json
            options: {path: %1$s/high.jsonl}
          failed:
            plugin: json
            options: {path: %1$s/failed.jsonl}
        default_sink: out
        landscape: {url: "sqlite:///%1$s/audit.db"}
        payload_store: {base_path: %1$s/payloads}
        """
        .formatted(dir, onWriteFailure);
  }

  private CliHarness.Result run(String settings) throws Exception {
    return CliHarness.run("run", "-s", CliHarness.settings(dir, settings).toString(), "--execute");
  }

  private CliHarness.Result explainRow1() {
    return CliHarness.run(
        "explain",
        "--run",
        "latest",
        "--row",
        "1",
        "--database",
        dir.resolve("audit.db").toString());
  }

  @Test
  void aSinkNameReceivesTheRowWithTheReasonAndTheLandscapeTellsTheStory() throws Exception {
    CliHarness.Result r = run(pipeline("on_write_failure: failed"));

    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(
        CliHarness.lines(dir.resolve("out.csv")),
        equalTo(List.of("id,name", "0,alice", "3,carol")));
    List<String> failed = CliHarness.lines(dir.resolve("failed.jsonl"));
    assertThat(failed, hasSize(1));
    Map<?, ?> diverted = JSON.readValue(failed.get(0), Map.class);
    assertThat(diverted.get("name"), is("caf\u00e9"));
    assertThat(diverted.get("__diversion_reason"), is(REASON));
    assertThat(diverted.get("__diverted_from"), is("out"));
    assertThat(CliHarness.lines(dir.resolve("high.jsonl")), hasSize(1));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(Map.of("completed@out", 2L, "routed@high", 1L, "diverted@failed", 1L)));
      assertThat(
          CliHarness.query(
              c,
              "SELECT e.label, e.default_mode, r.mode FROM routing_events r"
                  + " JOIN edges e ON e.edge_id = r.edge_id WHERE e.label = '__failsink__'"),
          equalTo(
              List.of(
                  Map.of("label", "__failsink__", "default_mode", "divert", "mode", "divert"))));
    }
    String story = explainRow1().out();
    assertThat(
        story,
        allOf(
            containsString("failed"),
            containsString("SinkDiversion"),
            containsString(REASON),
            containsString("route '__failsink__'"),
            containsString("diverted at sink 'failed' -> " + dir.resolve("failed.jsonl"))));
  }

  @Test
  void discardRecordsTheRowWithTheReasonAndWritesTheOthers() throws Exception {
    CliHarness.Result r = run(pipeline("on_write_failure: discard"));

    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(r.out(), containsString("diverted at sink __discard__: 1"));
    assertThat(
        CliHarness.lines(dir.resolve("out.csv")),
        equalTo(List.of("id,name", "0,alice", "3,carol")));
    assertThat(CliHarness.lines(dir.resolve("failed.jsonl")), empty());
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(Map.of("completed@out", 2L, "routed@high", 1L, "diverted@__discard__", 1L)));
      assertThat(
          CliHarness.query(
                  c,
                  "SELECT o.context_json FROM token_outcomes o WHERE" + " o.outcome = 'diverted'")
              .toString(),
          containsString(REASON));
    }
    String story = explainRow1().out();
    assertThat(
        story,
        allOf(
            containsString("SinkDiscard"),
            containsString(REASON),
            containsString("diverted at sink '__discard__'")));
    // A discarded row reached no file: explain names none.
    assertThat(story, not(containsString("out.csv")));
  }

  @Test
  void withoutTheOptionTheRunFailsNamingSinkRowAndReasonAndNoSinkPublishes() throws Exception {
    CliHarness.Result r = run(pipeline(""));

    assertThat(r.exitCode(), is(1));
    assertThat(
        r.err(),
        allOf(
            containsString("sink 'out' cannot write row 1"),
            containsString(REASON),
            containsString("no sink published")));
    assertThat(r.err(), not(containsString("\tat ")));
    // No sink published, none staged a file or left a manifest behind.
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(
          files
              .map(p -> p.getFileName().toString())
              .filter(
                  n ->
                      !n.startsWith("audit.db")
                          && !n.equals("in.csv")
                          && !n.equals("settings.yaml")
                          && !n.equals("payloads"))
              .toList(),
          empty());
    }
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      assertThat(CliHarness.count(c, "SELECT COUNT(*) FROM runs WHERE status = 'failed'"), is(1L));
      assertThat(CliHarness.count(c, "SELECT COUNT(*) FROM artifacts"), is(0L));
      assertThat(CliHarness.count(c, "SELECT COUNT(*) FROM elspeth_sink_publications"), is(0L));
      // The row's failure and its reason are on record, so explain can tell it.
      assertThat(LandscapeInvariants.outcomes(c), equalTo(Map.of("failed", 1L)));
      assertThat(
          CliHarness.query(
                  c,
                  "SELECT s.status, s.error_json FROM node_states s JOIN"
                      + " nodes n ON n.node_id = s.node_id AND n.run_id = s.run_id WHERE n.node_type ="
                      + " 'sink'")
              .toString(),
          allOf(
              containsString("failed"),
              containsString("SinkWriteFailure"),
              containsString(REASON)));
    }
    assertThat(
        explainRow1().out(),
        allOf(containsString("SinkWriteFailure"), containsString("outcome: failed")));
  }

  @Test
  void aDatabaseColumnThatRefusesAValueDivertsThatRowOnly() throws Exception {
    Files.writeString(
        dir.resolve("in.jsonl"),
        """
        {"id": 1, "score": 1.5}
        {"id": 2, "score": "high"}
        {"id": 3, "score": 2}
        """);
    CliHarness.Result r =
        run(
            """
        source:
          plugin: json
          options: {path: %1$s/in.jsonl, schema: {fields: dynamic}, on_validation_failure: discard}
        sinks:
          db:
            plugin: database
            options:
              url: "sqlite:///%1$s/out.db"
              table: scores
              schema: {mode: free, fields: ["id: int", "score: float"]}
            on_write_failure: failed
          failed:
            plugin: json
            options: {path: %1$s/failed.jsonl}
        default_sink: db
        landscape: {url: "sqlite:///%1$s/audit.db"}
        payload_store: {base_path: %1$s/payloads}
        """
                .formatted(dir));

    assertThat(r.err(), r.exitCode(), is(0));
    try (Connection c = CliHarness.landscape(dir.resolve("out.db"))) {
      assertThat(
          CliHarness.query(c, "SELECT id FROM scores ORDER BY id").toString(),
          is("[{id=1}, {id=3}]"));
    }
    Map<?, ?> diverted =
        JSON.readValue(CliHarness.lines(dir.resolve("failed.jsonl")).get(0), Map.class);
    assertThat(diverted.get("score"), is("high"));
    assertThat(
        (String) diverted.get("__diversion_reason"),
        containsString("field 'score' is not a number, which its FLOAT column requires"));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(Map.of("completed@db", 2L, "diverted@failed", 1L)));
    }
  }

  @Test
  void validateRefusesAFailureSinkThatIsMissingItselfOrAChain() throws Exception {
    Path settings = CliHarness.settings(dir, pipeline("on_write_failure: nowhere"));
    CliHarness.Result missing = CliHarness.run("validate", "-s", settings.toString());
    assertThat(missing.exitCode(), is(1));
    assertThat(
        missing.err(),
        allOf(
            containsString(settings.toString()),
            containsString("sinks.out.on_write_failure: no sink named 'nowhere'"),
            containsString("(line 15, column 5)")));

    String chain =
        pipeline("on_write_failure: failed")
            .replace(
                "options: {path: " + dir + "/failed.jsonl}",
                "options: {path: " + dir + "/failed.jsonl}\n    on_write_failure: out");
    CliHarness.Result cycle =
        CliHarness.run("validate", "-s", CliHarness.settings(dir, chain).toString());
    assertThat(cycle.exitCode(), is(1));
    assertThat(
        cycle.err(),
        containsString(
            "sinks.out.on_write_failure and"
                + " sinks.failed.on_write_failure: 'out' diverts to 'failed', which diverts in turn to"
                + " 'out'"));
  }

  @Test
  void onFlinkAFailureSinkReceivesTheRowAndWithoutTheOptionNoSinkPublishes() throws Exception {
    String server = TestPostgres.get().jdbcUrl();
    String schema = "owf_" + java.util.UUID.randomUUID().toString().replace("-", "");
    try (Connection c = java.sql.DriverManager.getConnection(server);
        java.sql.Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    try {
      String landscape =
          "landscape: {url: \"" + TestPostgres.get().url() + "?currentSchema=" + schema + "\"}";
      String diverting =
          pipeline("on_write_failure: failed")
              .replaceAll("landscape: \\{url: \"sqlite:///[^\"]+\"\\}", landscape);
      CliHarness.Result r =
          CliHarness.run(
              "run",
              "-s",
              CliHarness.settings(dir, diverting).toString(),
              "--execute",
              "--runner",
              "flink-local");
      assertThat(r.err(), r.exitCode(), is(0));
      assertThat(
          CliHarness.lines(dir.resolve("out.csv")),
          equalTo(List.of("id,name", "0,alice", "3,carol")));
      assertThat(CliHarness.lines(dir.resolve("failed.jsonl")).get(0), containsString(REASON));
      try (Connection c =
          java.sql.DriverManager.getConnection(server + "&currentSchema=" + schema)) {
        assertThat(
            LandscapeInvariants.outcomes(c),
            equalTo(Map.of("completed@out", 2L, "routed@high", 1L, "diverted@failed", 1L)));
      }

      for (String f : List.of("out.csv", "high.jsonl", "failed.jsonl")) {
        Files.delete(dir.resolve(f));
      }
      CliHarness.Result failed =
          CliHarness.run(
              "run",
              "-s",
              CliHarness.settings(dir, diverting.replace("on_write_failure: failed", ""))
                  .toString(),
              "--execute",
              "--runner",
              "flink-local");
      assertThat(failed.exitCode(), is(1));
      assertThat(
          failed.err(),
          allOf(
              containsString("sink 'out' cannot write row 1"),
              containsString("no sink published")));
      for (String f : List.of("out.csv", "high.jsonl", "failed.jsonl")) {
        assertThat(f, Files.exists(dir.resolve(f)), is(false));
      }
    } finally {
      try (Connection c = java.sql.DriverManager.getConnection(server);
          java.sql.Statement st = c.createStatement()) {
        st.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }
}
