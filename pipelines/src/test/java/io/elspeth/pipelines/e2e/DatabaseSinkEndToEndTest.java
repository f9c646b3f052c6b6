package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.elspeth.testkit.postgres.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CSV in, database out, through the CLI: rows land in the table, each INSERT batch is one sql call
 * under the sink_write operation, the artifact is the table, and a re-run with an upsert key leaves
 * no duplicate.
 */
@Tag("e2e")
class DatabaseSinkEndToEndTest {
  private static final String PG_JDBC =
      "jdbc:postgresql://" + TestPostgres.get().hostPort() + "/test";

  @TempDir Path dir;
  private String schema;

  @AfterEach
  void dropSchema() throws Exception {
    if (schema != null) {
      try (Connection c = DriverManager.getConnection(PG_JDBC, "postgres", null);
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    }
  }

  private Path settings(String url, String table, String audit) throws Exception {
    StringBuilder csv = new StringBuilder("id,name\n");
    for (int i = 1; i <= 5; i++) {
      csv.append(i).append(",name").append(i).append('\n');
    }
    Files.writeString(dir.resolve("in.csv"), csv.toString());
    return CliHarness.settings(
        dir,
        """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "name: str"]}
            on_validation_failure: discard
        sinks:
          db:
            plugin: database
            options:
              url: %s
              table: %s
              upsert_key: id
              batch_size: 2
              schema: {mode: strict, fields: ["id: int", "name: str"]}
        default_sink: db
        landscape:
          url: sqlite:///%s
        """
            .formatted(dir.resolve("in.csv"), url, table, dir.resolve(audit)));
  }

  private void runTwiceAndCheck(String url, String table) throws Exception {
    for (String audit : new String[] {"first.db", "second.db"}) {
      CliHarness.Result r =
          CliHarness.run("run", "-s", settings(url, table, audit).toString(), "--execute");
      assertThat(r.err(), r.exitCode(), is(0));
      try (Connection db = CliHarness.landscape(dir.resolve(audit))) {
        LandscapeInvariants.assertReconciles(db);
        assertThat(LandscapeInvariants.outcomes(db), is(Map.of("completed@db", 5L)));
        // One sink_write: a prepare call and three INSERT batches (2 + 2 + 1 rows).
        assertThat(
            CliHarness.count(
                db,
                "SELECT COUNT(*) FROM operations WHERE operation_type ="
                    + " 'sink_write' AND status = 'completed'"),
            is(1L));
        assertThat(
            CliHarness.count(
                db,
                "SELECT COUNT(*) FROM calls c JOIN operations o ON"
                    + " o.operation_id = c.operation_id WHERE c.call_type = 'sql' AND c.status ="
                    + " 'success' AND o.operation_type = 'sink_write'"),
            is(4L));
        assertThat(
            CliHarness.count(
                db,
                "SELECT COUNT(*) FROM artifacts WHERE artifact_type ="
                    + " 'database' AND path_or_uri LIKE '%#"
                    + table
                    + "' AND path_or_uri NOT LIKE"
                    + " '%secret%'"),
            is(1L));
      }
    }
  }

  @Test
  void sqliteTableHoldsEachRowOnceAfterTwoRuns() throws Exception {
    Path target = dir.resolve("target.db");
    runTwiceAndCheck("sqlite:///" + target, "people");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + target)) {
      assertThat(CliHarness.count(c, "SELECT COUNT(*) FROM people"), is(5L));
    }
  }

  @Test
  void postgresqlTableHoldsEachRowOnceAfterTwoRuns() throws Exception {
    schema = "e2e_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = DriverManager.getConnection(PG_JDBC, "postgres", null);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    runTwiceAndCheck(
        "postgresql://postgres:secret@" + TestPostgres.get().hostPort() + "/test",
        schema + ".people");
    try (Connection c = DriverManager.getConnection(PG_JDBC, "postgres", null)) {
      assertThat(CliHarness.count(c, "SELECT COUNT(*) FROM " + schema + ".people"), is(5L));
    }
  }

  /** upsert_key names a column: it is no secret, so the error prints it (issue 26). */
  @Test
  void anUpsertKeyInNoRowIsNamedInTheError() throws Exception {
    Path settings = settings("sqlite:///" + dir.resolve("target.db"), "people", "audit.db");
    Files.writeString(
        settings,
        Files.readString(settings)
            .replace("upsert_key: id", "upsert_key: customer_ref")
            .replace(
                "      schema: {mode: strict, fields: [\"id: int\", \"name: str\"]}\n"
                    + "default_sink",
                "default_sink"));
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(1));
    assertThat(r.err(), containsString("upsert_key field 'customer_ref' is in no row"));
    assertThat(r.err(), not(containsString("***")));
  }

  @Test
  void everyInsertIsTelemeteredOnceAfterItsCommit() throws Exception {
    Path target = dir.resolve("target.db");
    try (io.elspeth.testkit.otlp.OtlpReceiver receiver =
        io.elspeth.testkit.otlp.OtlpReceiver.start()) {
      Path settings = settings("sqlite:///" + target, "people", "audit.db");
      Files.writeString(
          settings,
          Files.readString(settings)
              + """
          telemetry:
            enabled: true
            granularity: full
            exporters:
              - name: otlp
                options: {endpoint: "%s", protocol: http/protobuf}
          """
                  .formatted(receiver.httpEndpoint()));
      CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
      assertThat(r.err(), r.exitCode(), is(0));
      java.util.List<String> telemetered =
          receiver.spans().stream()
              .filter(sp -> sp.name().equals("ExternalCallCompleted"))
              .filter(sp -> "sql".equals(attr(sp, "call_type")))
              .map(sp -> attr(sp, "operation_id"))
              .sorted()
              .toList();
      try (Connection db = CliHarness.landscape(dir.resolve("audit.db"))) {
        java.util.List<String> recorded =
            CliHarness.query(
                    db,
                    "SELECT operation_id FROM calls"
                        + " WHERE call_type = 'sql' ORDER BY operation_id")
                .stream()
                .map(m -> m.get("operation_id").toString())
                .toList();
        assertThat(recorded.size(), is(4));
        assertThat(telemetered, is(recorded));
      }
      assertThat(
          receiver.spans().stream()
              .filter(sp -> "sql".equals(attr(sp, "call_type")))
              .map(sp -> attr(sp, "provider"))
              .distinct()
              .toList(),
          is(java.util.List.of("database")));
    }
  }

  private static String attr(io.elspeth.testkit.otlp.ReceivedSpan span, String key) {
    String plain = span.attr(key);
    return plain != null ? plain : span.attr("elspeth." + key);
  }
}
