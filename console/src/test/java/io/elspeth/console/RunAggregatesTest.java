package io.elspeth.console;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.aggregates.StoredRunAggregates;
import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.payload.PayloadStore;
import io.elspeth.audit.reconcile.RunReconciliation;
import io.elspeth.audit.record.RowRecord;
import io.elspeth.audit.schema.SchemaAccess;
import io.elspeth.audit.schema.SchemaVersionException;
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
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stored aggregates of a settled run ({@link RunAggregates}, schema version 4) on SQLite and
 * PostgreSQL: they read back equal to the ones computed from the run's records, the pages drawn
 * from them are the pages drawn from the records, and the pages read them instead of the run. A
 * Landscape of version 3 (no aggregates table) is refused until migrated, and then shows its runs
 * computed from their records.
 */
class RunAggregatesTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  @Test
  void sqliteStoredAggregatesAreTheComputedOnesAndThePagesReadThem() throws Exception {
    storedAggregatesAreTheComputedOnes(LandscapeUrl.parse("sqlite:///" + dir.resolve("l.db")));
  }

  @Test
  void postgresqlStoredAggregatesAreTheComputedOnesAndThePagesReadThem() throws Exception {
    inNewSchema(this::storedAggregatesAreTheComputedOnes);
  }

  @Test
  void sqliteVersionThreeLandscapeIsMigratedAndItsRunShowsFromItsRecords() throws Exception {
    versionThreeIsMigrated(LandscapeUrl.parse("sqlite:///" + dir.resolve("l.db")));
  }

  @Test
  void postgresqlVersionThreeLandscapeIsMigratedAndItsRunShowsFromItsRecords() throws Exception {
    inNewSchema(this::versionThreeIsMigrated);
  }

  private void storedAggregatesAreTheComputedOnes(LandscapeUrl url) throws Exception {
    PayloadStore payloads = FilesystemPayloadStore.at(dir.resolve("payloads"));
    try (LandscapeStore store = LandscapeStore.open(url)) {
      store.commit(LlmUsageTest.run(payloads));
      String runPage = get(store, payloads, "/runs/run-1");
      String reconciliation = get(store, payloads, "/runs/run-1/reconciliation");
      RunAggregates computed;
      try (Connection c = store.connection()) {
        assertThat(RunAggregates.stored(c, "run-1").isPresent(), is(false));
        computed = RunAggregates.compute(c, "run-1", RunReconciliation.of(c, "run-1"), payloads);
      }
      store.inTransaction(
          "record",
          tx -> {
            computed.writeTo(tx, 1L);
            return null;
          });
      try (Connection c = store.connection()) {
        RunAggregates stored = RunAggregates.stored(c, "run-1").orElseThrow();
        assertThat(stored, equalTo(computed));
        assertThat(stored.toJson(), equalTo(computed.toJson()));
      }
      assertThat(get(store, payloads, "/runs/run-1"), equalTo(runPage));
      assertThat(get(store, payloads, "/runs/run-1/reconciliation"), equalTo(reconciliation));

      // A row recorded after the aggregates were: the run page's count is the stored one, so the
      // page read the stored aggregates, not the run.
      store.commit(
          List.of(
              new RowRecord(
                  "late",
                  "run-1",
                  "source",
                  99,
                  ConsoleDialectTest.hash("late"),
                  null,
                  Instant.parse("2026-01-31T12:00:02Z"))));
      String later = get(store, payloads, "/runs/run-1");
      assertThat(later, containsString("id=\"run-rows\">5<"));
      assertThat(later, containsString("id=\"count-node-source\">5<"));
      store.inTransaction(
          "forget",
          tx -> {
            StoredRunAggregates.delete(tx, "run-1");
            return null;
          });
      String computedAgain = get(store, payloads, "/runs/run-1");
      assertThat(computedAgain, containsString("id=\"run-rows\">6<"));
      assertThat(computedAgain, not(containsString("id=\"run-rows\">5<")));
    }
  }

  private void versionThreeIsMigrated(LandscapeUrl url) throws Exception {
    try (LandscapeStore store = LandscapeStore.open(url)) {
      store.commit(ConsoleDialectTest.run("run-1", 5));
    }
    // As the release before version 4 left it: no aggregates table.
    try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE elspeth_run_aggregates");
      s.execute("DELETE FROM landscape_schema_history WHERE version = '4'");
    }
    SchemaVersionException refused =
        assertThrows(SchemaVersionException.class, () -> LandscapeStore.open(url).close());
    assertThat(refused.getMessage(), containsString("version 3 and not migrated yet"));
    LandscapeStore.open(url, SchemaAccess.MIGRATE).close();
    try (LandscapeStore store = LandscapeStore.open(url)) {
      try (Connection c = store.connection()) {
        assertThat(RunAggregates.stored(c, "run-1").isPresent(), is(false));
      }
      String page = get(store, null, "/runs/run-1");
      assertThat(page, containsString("id=\"run-rows\">5<"));
      assertThat(page, containsString("id=\"count-edge-e3\">2<"));
      assertThat(page, containsString("<td>llm_failed</td>"));
      assertThat(get(store, null, "/runs/run-1/reconciliation"), containsString("tokens"));
    }
  }

  /** {@code path} from a console started afresh: nothing kept in memory from an earlier view. */
  private static String get(LandscapeStore store, PayloadStore payloads, String path)
      throws Exception {
    try (WebConsole console =
        WebConsole.builder(store).withPort(0).withPayloadStore(payloads).start()) {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + console.port() + path))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(path + "\n" + r.body(), r.statusCode(), is(200));
      return r.body();
    }
  }

  @FunctionalInterface
  private interface OnLandscape {
    void run(LandscapeUrl url) throws Exception;
  }

  private static void inNewSchema(OnLandscape test) throws Exception {
    String schema = "agg_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection admin = DriverManager.getConnection(TestPostgres.get().jdbcUrl());
        Statement s = admin.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
      try {
        test.run(LandscapeUrl.parse(TestPostgres.get().url() + "?currentSchema=" + schema));
      } finally {
        s.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }
}
