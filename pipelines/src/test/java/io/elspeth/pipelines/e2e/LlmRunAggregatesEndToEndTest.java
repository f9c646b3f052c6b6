package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.aggregates.StoredRunAggregates;
import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.payload.PayloadStore;
import io.elspeth.audit.reconcile.RunReconciliation;
import io.elspeth.audit.schema.LandscapeSchema;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.console.RunAggregates;
import io.elspeth.console.WebConsole;
import io.elspeth.testkit.chaosllm.ChaosConfig;
import io.elspeth.testkit.chaosllm.ChaosLlmServer;
import io.elspeth.testkit.chaosllm.FaultKind;
import io.elspeth.testkit.postgres.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run records its aggregates when it ends (schema version 4), and the console's pages drawn from
 * them are the pages drawn from the run's records: `elspeth run` of a pipeline with quarantined
 * rows, a gate, and an LLM step whose calls ChaosLLM partly refuses (failed calls, transform
 * errors, token usage), on SQLite and PostgreSQL. The stored document equals one computed
 * afterwards, field by field; the run page, the reconciliation page and the runs list are the same
 * HTML with the stored aggregates and without them. A Landscape of version 3 (no aggregates table)
 * is migrated by `elspeth landscape migrate` and its run still shows, computed.
 */
@Tag("e2e")
class LlmRunAggregatesEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final int ROWS = 20;

  @TempDir Path dir;

  /** The pages of one run, as a console started afresh serves them. */
  record Pages(String runsList, String run, String reconciliation) {}

  @Test
  void sqliteStoredAggregatesShowTheRunAsItsRecordsDoAndAVersionThreeLandscapeStillShowsIt()
      throws Exception {
    Path db = dir.resolve("landscape.db");
    String runId = run("sqlite:///" + db);
    LandscapeUrl url = LandscapeUrl.parse("sqlite:///" + db);
    Pages fromRecords = storedEqualsComputed(url, runId);

    // The Landscape as the release before version 4 left it: no aggregates table.
    try (Connection c = CliHarness.landscape(db);
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE elspeth_run_aggregates");
      s.execute("DELETE FROM landscape_schema_history WHERE version = '4'");
    }
    CliHarness.Result refused =
        CliHarness.run("explain", "--run", runId, "--row", "1", "--database", db.toString());
    assertThat(refused.err(), containsString("version 3 and not migrated yet"));
    CliHarness.Result migrated =
        CliHarness.run("landscape", "migrate", "--database", db.toString());
    assertThat(migrated.err(), migrated.exitCode(), is(0));
    assertThat(
        migrated.out(),
        containsString(
            "migrated from schema version 3 to version " + LandscapeSchema.CURRENT_VERSION));
    try (LandscapeStore store = LandscapeStore.open(url)) {
      try (Connection c = store.connection()) {
        assertThat(StoredRunAggregates.read(c, runId).isPresent(), is(false));
      }
      assertThat(pages(store, runId), equalTo(fromRecords));
    }
    CliHarness.Result explain =
        CliHarness.run("explain", "--run", runId, "--row", "1", "--database", db.toString());
    assertThat(explain.err(), explain.exitCode(), is(0));
  }

  @Test
  void postgresqlStoredAggregatesShowTheRunAsItsRecordsDo() throws Exception {
    String schema = "agg_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection admin = DriverManager.getConnection(TestPostgres.get().jdbcUrl());
        Statement s = admin.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
      try {
        String url = TestPostgres.get().url() + "?currentSchema=" + schema;
        storedEqualsComputed(LandscapeUrl.parse(url), run(url));
      } finally {
        s.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }

  /**
   * Compares the aggregates the run stored with ones computed from its records now, and the pages
   * drawn from each; returns the pages drawn from the records.
   */
  private Pages storedEqualsComputed(LandscapeUrl url, String runId) throws Exception {
    PayloadStore payloads = FilesystemPayloadStore.at(dir.resolve("payloads"));
    try (LandscapeStore store = LandscapeStore.open(url)) {
      RunAggregates stored;
      RunAggregates computed;
      try (Connection c = store.connection()) {
        stored =
            RunAggregates.stored(c, runId)
                .orElseThrow(() -> new AssertionError("run " + runId + " recorded no aggregates"));
        computed = RunAggregates.compute(c, runId, RunReconciliation.of(c, runId), payloads);
      }
      JsonNode s = JSON.readTree(stored.toJson());
      JsonNode k = JSON.readTree(computed.toJson());
      assertThat(names(s), equalTo(names(k)));
      for (String field : names(k)) {
        assertThat(field, s.get(field), equalTo(k.get(field)));
      }
      assertThat(stored, equalTo(computed));
      // The run gave every figure something to hold.
      assertThat(k.toString(), k.at("/errors/validation").size(), greaterThan(0));
      assertThat(k.toString(), k.at("/errors/transform").size(), greaterThan(0));
      assertThat(k.toString(), k.at("/dag/edges").size(), greaterThan(0));
      assertThat(k.toString(), k.get("llm").size(), is(1));
      assertThat(
          k.toString(),
          k.get("llm").elements().next().get(0).get("promptTokens").asLong(),
          greaterThan(0L));
      assertThat(k.toString(), k.at("/reconciliation/problems").size(), is(0));
      assertThat(k.toString(), k.get("outcomes").size(), greaterThan(2));
      boolean failedCalls = false;
      for (JsonNode node : k.get("calls")) {
        for (JsonNode type : node) {
          failedCalls |= type.get("failuresByKind").size() > 0;
        }
      }
      assertThat(k.toString(), failedCalls, is(true));

      Pages fromStored = pages(store, runId);
      store.inTransaction(
          "forget the aggregates of run " + runId,
          tx -> {
            StoredRunAggregates.delete(tx, runId);
            return null;
          });
      Pages fromRecords = pages(store, runId);
      assertThat(fromStored.run(), equalTo(fromRecords.run()));
      assertThat(fromStored.reconciliation(), equalTo(fromRecords.reconciliation()));
      assertThat(fromStored.runsList(), equalTo(fromRecords.runsList()));
      assertThat(fromStored.run(), containsString("id=\"run-rows\">" + ROWS + "<"));
      assertThat(fromStored.reconciliation(), containsString("The run reconciles"));
      return fromRecords;
    }
  }

  /** The pages of {@code runId} from a console started afresh (nothing kept in memory). */
  private Pages pages(LandscapeStore store, String runId) throws Exception {
    try (WebConsole console =
        WebConsole.builder(store)
            .withPort(0)
            .withPayloadStore(FilesystemPayloadStore.at(dir.resolve("payloads")))
            .start()) {
      String base = console.url();
      return new Pages(
          get(base), get(base + "runs/" + runId), get(base + "runs/" + runId + "/reconciliation"));
    }
  }

  /**
   * `elspeth run` of: a CSV source quarantining rows whose amount is not a number, an LLM step
   * (ChaosLLM refuses about a third of its calls: routed to llm_errors) and a gate sending large
   * amounts to their own sink. Returns the run id.
   */
  private String run(String landscapeUrl) throws Exception {
    ChaosLlmServer server =
        ChaosLlmFixture.with(
            ChaosConfig.builder()
                .seed(7)
                .template("positive")
                .fault(FaultKind.FORBIDDEN, 35)
                .build());
    StringBuilder csv = new StringBuilder("id,text,amount\n");
    for (int i = 0; i < ROWS; i++) {
      csv.append(i)
          .append(",review ")
          .append(i)
          .append(',')
          .append(i % 7 == 3 ? "lots" : Integer.toString(i * 10))
          .append('\n');
    }
    Path in = dir.resolve("input.csv");
    Files.writeString(in, csv.toString());
    String yaml =
        "source:\n  plugin: csv\n  options:\n    path: "
            + in
            + "\n"
            + "    schema:\n      mode: strict\n      fields: [\"id: int\", \"text: str\","
            + " \"amount: int\"]\n    on_validation_failure: quarantine\n"
            + "transforms:\n  - plugin: azure_llm\n    options:\n"
            + "      deployment_name: gpt-4o-mini\n"
            + "      endpoint: "
            + server.httpsUrl()
            + "\n"
            + "      api_key: "
            + LlmTransformsEndToEndTest.SECRET
            + "\n"
            + "      template: \"Sentiment of: {{ row.text }}\"\n"
            + "      response_field: sentiment\n"
            + "      on_error: llm_errors\n"
            + "gates:\n  - name: large\n    condition: \"row['amount'] > 100\"\n"
            + "    routes:\n      \"true\": large\n      \"false\": continue\n"
            + "sinks:\n"
            + "  out: {plugin: json, options: {path: "
            + dir.resolve("out.jsonl")
            + "}}\n"
            + "  large: {plugin: json, options: {path: "
            + dir.resolve("large.jsonl")
            + "}}\n"
            + "  llm_errors: {plugin: json, options: {path: "
            + dir.resolve("errors.jsonl")
            + "}}\n"
            + "  quarantine: {plugin: json, options: {path: "
            + dir.resolve("quarantine.jsonl")
            + "}}\n"
            + "default_sink: out\n"
            + "payload_store: {base_path: "
            + dir.resolve("payloads")
            + "}\n"
            + "landscape: {url: \""
            + landscapeUrl
            + "\"}\n";
    Path settings = CliHarness.settings(dir, yaml);
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));
    try (LandscapeStore store = LandscapeStore.open(LandscapeUrl.parse(landscapeUrl));
        Connection c = store.connection();
        java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT run_id FROM runs")) {
      assertThat(rs.next(), is(true));
      return rs.getString(1);
    }
  }

  private static List<String> names(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static String get(String url) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(url + "\n" + r.body(), r.statusCode(), is(200));
    return r.body();
  }
}
