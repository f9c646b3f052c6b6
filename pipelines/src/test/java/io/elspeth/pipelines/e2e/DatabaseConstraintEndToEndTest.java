package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.testkit.postgres.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input for a database sink writing into an existing table with constraints, through the
 * CLI: every row goes to a csv sink and (a fork) to the table, whose PRIMARY KEY and CHECK refuse
 * three rows (one repeats a key of the table, one a key of an earlier row of the run, one breaks
 * the CHECK). {@code on_write_failure: discard} and a failure sink handle exactly those rows with
 * the database's message; without the option the run fails naming the sink, the row and the
 * constraint, and neither the csv file nor a row of the table is published.
 */
@Tag("e2e")
class DatabaseConstraintEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> CSV =
      List.of(
          "id,name,qty", "1,alice,5", "2,bob,7", "1,carol,3", "5,dave,-1", "6,erin,1", "7,frank,2");

  @TempDir Path dir;

  @BeforeEach
  void writeInputAndTable() throws Exception {
    Files.write(dir.resolve("in.csv"), CSV);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("out.db"));
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
              + " qty INTEGER CHECK (qty > 0))");
      s.execute("INSERT INTO items VALUES (6, 'old', 1)");
    }
  }

  private String pipeline(String databaseUrl, String onWriteFailure) {
    return """
        source:
          plugin: csv
          options:
            path: %1$s/in.csv
            schema: {mode: strict, fields: ["id: int", "name: str", "qty: int"]}
            on_validation_failure: discard
        gates:
          - name: both
            condition: "True"
            routes: {"true": fork, "false": continue}
            fork_to: [out, db]
        sinks:
          out:
            plugin: csv
            options: {path: %1$s/out.csv}
          db:
            plugin: database
            options: {url: "%2$s", table: items}
            %3$s
          failed:
            plugin: json
            options: {path: %1$s/failed.jsonl}
        default_sink: out
        landscape: {url: "sqlite:///%1$s/audit.db"}
        payload_store: {base_path: %1$s/payloads}
        """
        .formatted(dir, databaseUrl, onWriteFailure);
  }

  private String sqlite() {
    return "sqlite:///" + dir.resolve("out.db");
  }

  private CliHarness.Result run(String settings) throws Exception {
    return CliHarness.run("run", "-s", CliHarness.settings(dir, settings).toString(), "--execute");
  }

  private List<Map<String, Object>> items() throws Exception {
    try (Connection c = CliHarness.landscape(dir.resolve("out.db"))) {
      return CliHarness.query(c, "SELECT id, name FROM items ORDER BY id");
    }
  }

  @Test
  void discardKeepsTheRefusedRowsOutOfTheTableAndRecordsTheDatabasesReason() throws Exception {
    CliHarness.Result r = run(pipeline(sqlite(), "on_write_failure: discard"));

    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(r.out(), containsString("diverted at sink __discard__: 3"));
    assertThat(CliHarness.lines(dir.resolve("out.csv")), equalTo(CSV));
    assertThat(
        items().toString(),
        is("[{id=1, name=alice}, {id=2, name=bob}, {id=6, name=old}," + " {id=7, name=frank}]"));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(
              Map.of(
                  "forked",
                  6L,
                  "completed@out",
                  6L,
                  "completed@db",
                  3L,
                  "diverted@__discard__",
                  3L)));
      String reasons =
          CliHarness.query(
                  c,
                  "SELECT o.context_json FROM token_outcomes o WHERE" + " o.outcome = 'diverted'")
              .toString();
      assertThat(
          reasons,
          allOf(
              containsString("table 'items' refused the row"),
              containsString("UNIQUE constraint failed: items.id"),
              containsString("CHECK constraint failed: qty > 0")));
    }
  }

  @Test
  void aFailureSinkReceivesTheRefusedRowsWithTheReason() throws Exception {
    CliHarness.Result r = run(pipeline(sqlite(), "on_write_failure: failed"));

    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(CliHarness.lines(dir.resolve("out.csv")), equalTo(CSV));
    List<String> failed = CliHarness.lines(dir.resolve("failed.jsonl"));
    assertThat(failed, hasSize(3));
    Map<?, ?> repeat = JSON.readValue(failed.get(0), Map.class);
    assertThat(repeat.get("name"), is("carol"));
    assertThat(repeat.get("__diverted_from"), is("db"));
    assertThat(
        (String) repeat.get("__diversion_reason"),
        containsString("table 'items' refused the row: [SQLITE_CONSTRAINT_PRIMARYKEY]"));
    assertThat(
        JSON.readValue(failed.get(1), Map.class).get("__diversion_reason").toString(),
        containsString("CHECK constraint failed: qty > 0"));
    assertThat(JSON.readValue(failed.get(2), Map.class).get("name"), is("erin"));
    assertThat(items(), hasSize(4));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(
              Map.of(
                  "forked", 6L, "completed@out", 6L, "completed@db", 3L, "diverted@failed", 3L)));
    }
  }

  @Test
  void withoutTheOptionTheRunFailsNamingTheConstraintAndNoSinkPublishes() throws Exception {
    CliHarness.Result r = run(pipeline(sqlite(), ""));

    assertThat(r.exitCode(), is(1));
    assertThat(
        r.err(),
        allOf(
            containsString("sink 'db' cannot write row 2"),
            containsString("UNIQUE constraint failed: items.id"),
            containsString("no sink published (3 rows could not be written)")));
    assertThat(r.err(), not(containsString("\tat ")));
    assertThat(Files.exists(dir.resolve("out.csv")), is(false));
    assertThat(Files.exists(dir.resolve("failed.jsonl")), is(false));
    assertThat(items().toString(), is("[{id=6, name=old}]"));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      assertThat(CliHarness.count(c, "SELECT COUNT(*) FROM artifacts"), is(0L));
      assertThat(CliHarness.count(c, "SELECT COUNT(*) FROM elspeth_sink_publications"), is(0L));
      assertThat(
          CliHarness.query(
                  c, "SELECT s.error_json FROM node_states s WHERE s.status =" + " 'failed'")
              .toString(),
          allOf(
              containsString("SinkWriteFailure"),
              containsString("CHECK constraint failed: qty > 0")));
    }
  }

  @Test
  void onPostgresqlTheRefusedRowsGoToTheFailureSinkAndNoPasswordIsRecorded() throws Exception {
    String schema = "dbc_" + java.util.UUID.randomUUID().toString().replace("-", "");
    try (Connection c = DriverManager.getConnection(TestPostgres.get().jdbcUrl());
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
      s.execute(
          "CREATE TABLE "
              + schema
              + ".items (id BIGINT PRIMARY KEY, name VARCHAR(5)"
              + " NOT NULL, qty INTEGER CHECK (qty > 0))");
      s.execute("INSERT INTO " + schema + ".items VALUES (6, 'old', 1)");
    }
    try {
      String url =
          "postgresql://postgres:Hunter2pw@"
              + TestPostgres.get().hostPort()
              + "/test?currentSchema="
              + schema;
      CliHarness.Result r = run(pipeline(url, "on_write_failure: failed"));

      assertThat(r.err(), r.exitCode(), is(0));
      assertThat(CliHarness.lines(dir.resolve("out.csv")), equalTo(CSV));
      List<String> failed = CliHarness.lines(dir.resolve("failed.jsonl"));
      assertThat(failed, hasSize(3));
      assertThat(
          String.join("\n", failed),
          allOf(
              containsString("duplicate key value violates unique constraint"),
              containsString("violates check constraint"),
              not(containsString("Hunter2pw"))));
      try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
        LandscapeInvariants.assertReconciles(c);
        assertThat(
            LandscapeInvariants.outcomes(c),
            equalTo(
                Map.of(
                    "forked", 6L, "completed@out", 6L, "completed@db", 3L, "diverted@failed", 3L)));
        for (String table : List.of("node_states", "token_outcomes", "calls", "nodes", "runs")) {
          assertThat(
              table,
              CliHarness.query(c, "SELECT * FROM " + table).toString(),
              not(containsString("Hunter2pw")));
        }
      }
      try (Connection c = DriverManager.getConnection(TestPostgres.get().jdbcUrl());
          Statement s = c.createStatement();
          java.sql.ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + schema + ".items")) {
        rs.next();
        assertThat(rs.getLong(1), is(4L));
      }
    } finally {
      try (Connection c = DriverManager.getConnection(TestPostgres.get().jdbcUrl());
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }

  @Test
  void onFlinkAKeyRepeatedInTheRunIsRefusedOnceAndWithoutTheOptionNoSinkPublishes()
      throws Exception {
    String server = TestPostgres.get().jdbcUrl();
    String schema = "dbcf_" + java.util.UUID.randomUUID().toString().replace("-", "");
    try (Connection c = DriverManager.getConnection(server);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    try {
      String landscape =
          "landscape: {url: \"" + TestPostgres.get().url() + "?currentSchema=" + schema + "\"}";
      String diverting =
          pipeline(sqlite(), "on_write_failure: failed")
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
      assertThat(CliHarness.lines(dir.resolve("out.csv")), equalTo(CSV));
      List<String> failed = CliHarness.lines(dir.resolve("failed.jsonl"));
      assertThat(failed, hasSize(3));
      assertThat(JSON.readValue(failed.get(0), Map.class).get("name"), is("carol"));
      assertThat(items(), hasSize(4));
      try (Connection c = DriverManager.getConnection(server + "&currentSchema=" + schema)) {
        assertThat(
            LandscapeInvariants.outcomes(c),
            equalTo(
                Map.of(
                    "forked", 6L, "completed@out", 6L, "completed@db", 3L, "diverted@failed", 3L)));
      }

      for (String f : List.of("out.csv", "failed.jsonl")) {
        Files.delete(dir.resolve(f));
      }
      CliHarness.Result refused =
          CliHarness.run(
              "run",
              "-s",
              CliHarness.settings(dir, diverting.replace("on_write_failure: failed", ""))
                  .toString(),
              "--execute",
              "--runner",
              "flink-local");
      assertThat(refused.exitCode(), is(1));
      assertThat(
          refused.err(),
          allOf(containsString("sink 'db' cannot write row"), containsString("no sink published")));
      assertThat(Files.exists(dir.resolve("out.csv")), is(false));
      assertThat(items(), hasSize(4));
    } finally {
      try (Connection c = DriverManager.getConnection(server);
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }
}
