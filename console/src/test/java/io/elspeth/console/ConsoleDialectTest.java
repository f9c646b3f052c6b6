package io.elspeth.console;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.record.EdgeRecord;
import io.elspeth.audit.record.NodeRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.RoutingEventRecord;
import io.elspeth.audit.record.RowRecord;
import io.elspeth.audit.record.RunRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.audit.record.TransformErrorRecord;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.testkit.postgres.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's pages over the same run in SQLite and in PostgreSQL (TestPostgres, a schema of its
 * own): the runs list with its date filter, the run page's counts, error groups and call
 * statistics, and a row page, as HTTP answers.
 */
class ConsoleDialectTest {
  private static final Instant T0 = Instant.parse("2026-01-31T12:00:00.123456Z");
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  @Test
  void sqlitePagesShowTheRun() throws Exception {
    pagesShowTheRun(LandscapeUrl.parse("sqlite:///" + dir.resolve("l.db")));
  }

  @Test
  void postgresqlPagesShowTheRun() throws Exception {
    String schema = "console_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection admin = DriverManager.getConnection(TestPostgres.get().jdbcUrl());
        Statement s = admin.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
      try {
        pagesShowTheRun(LandscapeUrl.parse(TestPostgres.get().url() + "?currentSchema=" + schema));
      } finally {
        s.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }

  private void pagesShowTheRun(LandscapeUrl url) throws Exception {
    try (LandscapeStore store = LandscapeStore.open(url)) {
      store.commit(run("run-1", 5, false));
      store.commit(run("run-2", 5, true));
      try (WebConsole console = WebConsole.builder(store).withPort(0).start()) {
        String base = "http://127.0.0.1:" + console.port();
        String day = LocalDate.ofInstant(T0, ZoneOffset.UTC).toString();
        assertThat(
            get(base + "/?from=" + day + "&to=" + day), containsString("data-run=\"run-1\""));
        assertThat(
            get(base + "/?from=" + LocalDate.parse(day).plusDays(1)),
            not(containsString("data-run=\"run-1\"")));
        String page = get(base + "/runs/run-1");
        assertThat(page, containsString("id=\"count-node-source\">5<"));
        assertThat(page, containsString("id=\"count-node-gate\">5<"));
        assertThat(page, containsString("id=\"count-edge-e3\">2<")); // rows 1 and 3 routed high
        assertThat(page, containsString("id=\"count-edge-e2\">2<")); // rows 0 and 2; row 4 failed
        assertThat(page, containsString("id=\"sink-high\">2<"));
        assertThat(page, containsString("<td>llm_failed</td>"));
        assertThat(page, containsString("rate_limit 1"));
        assertThat(page, containsString("10.0 ms")); // median of 5, 10, 20 ms
        String row = get(base + "/runs/run-1/rows/1");
        assertThat(row, containsString("route &#39;true&#39;"));
        assertThat(get(base + "/runs/run-1/rows/tok3"), containsString("Row 3 of run run-1"));
        // A run recorded as ELSPETH RC2 records it: a routing event for each continue as well.
        String rc2 = get(base + "/runs/run-2");
        assertThat(rc2, containsString("id=\"count-edge-be3\">2<"));
        assertThat(rc2, containsString("id=\"count-edge-be2\">2<"));
        assertThat(rc2, containsString("id=\"count-node-gate\">5<"));
      }
    }
  }

  private static String get(String url) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(url + "\n" + r.body(), r.statusCode(), is(200));
    return r.body();
  }

  /** csv source -> gate (odd rows to 'high') -> sinks normal / high; calls on the gate. */
  static List<AuditRecord> run(String runId, int rows) {
    return run(runId, rows, false);
  }

  /**
   * csv source -> gate (odd rows to 'high') -> sinks normal / high; calls on the gate; with {@code
   * continueEvents}, a routing event on the continue edge for each row that continued.
   */
  static List<AuditRecord> run(String runId, int rows, boolean continueEvents) {
    String p = continueEvents ? "b" : ""; // ids are unique across runs
    List<AuditRecord> r = new ArrayList<>();
    r.add(
        new RunRecord(
            runId,
            T0,
            T0.plusSeconds(3),
            hash("config"),
            "{}",
            null,
            CanonicalJson.CANONICAL_VERSION,
            null,
            null,
            "completed"));
    for (String[] n :
        new String[][] {
          {"source", "csv", "source"},
          {"gate", "config_gate", "gate"},
          {"normal", "csv", "sink"},
          {"high", "json", "sink"}
        }) {
      r.add(
          new NodeRecord(
              n[0], runId, n[1], n[2], "1", "deterministic", hash(n[0]), "{}", T0, null, null));
    }
    r.add(new EdgeRecord(p + "e1", runId, "source", "gate", "continue", "move", T0));
    r.add(new EdgeRecord(p + "e2", runId, "gate", "normal", "continue", "move", T0));
    r.add(new EdgeRecord(p + "e3", runId, "gate", "high", "true", "move", T0));
    double[] latencies = {5, 10, 20};
    for (int i = 0; i < rows; i++) {
      Instant at = T0.plusMillis(10 + i);
      String row = p + "row" + i;
      String token = p + "tok" + i;
      String data = hash("data" + i);
      boolean big = i % 2 == 1;
      r.add(new RowRecord(row, runId, "source", i, data, null, at));
      r.add(new TokenRecord(token, row, runId, null, null, null, null, null, at));
      r.add(
          new NodeStateRecord(
              "s1-" + token,
              token,
              runId,
              "gate",
              1,
              0,
              "completed",
              data,
              data,
              "{\"condition\":\"row['amount'] > 100\",\"result\":"
                  + big
                  + ",\"route_label\":\""
                  + big
                  + "\"}",
              0.25,
              null,
              null,
              at,
              at));
      if (i < latencies.length) {
        r.add(
            new CallRecord(
                p + "c" + i,
                "s1-" + token,
                null,
                0,
                "llm",
                i == 0 ? "error" : "success",
                hash("req" + i),
                null,
                i == 0 ? null : hash("resp" + i),
                null,
                i == 0 ? "{\"type\":\"rate_limit\",\"message\":\"429\"}" : null,
                latencies[i],
                at));
      }
      if (big) {
        r.add(
            new RoutingEventRecord(
                "re-" + token,
                "s1-" + token,
                p + "e3",
                "grp-" + token,
                0,
                "move",
                hash("reason"),
                null,
                at));
      } else if (continueEvents && i != 4) {
        r.add(
            new RoutingEventRecord(
                "re-" + token,
                "s1-" + token,
                p + "e2",
                "grp-" + token,
                0,
                "move",
                hash("reason"),
                null,
                at));
      }
      if (i == 4) {
        r.add(
            new TransformErrorRecord(
                p + "te" + i,
                runId,
                token,
                "gate",
                data,
                null,
                "{\"reason\":\"llm_failed\"}",
                "discard",
                at));
        r.add(
            new TokenOutcomeRecord(
                "out-" + token,
                runId,
                token,
                "failed",
                1,
                at,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null));
        continue;
      }
      String sink = big ? "high" : "normal";
      r.add(
          new NodeStateRecord(
              "s2-" + token,
              token,
              runId,
              sink,
              2,
              0,
              "completed",
              data,
              hash("sink" + i),
              null,
              1.0,
              null,
              null,
              at,
              at));
      r.add(
          new TokenOutcomeRecord(
              "out-" + token,
              runId,
              token,
              big ? "routed" : "completed",
              1,
              at,
              sink,
              null,
              null,
              null,
              null,
              null,
              null,
              null));
    }
    return r;
  }

  static String hash(String label) {
    return CanonicalJson.stableHash(Map.of("label", label));
  }
}
