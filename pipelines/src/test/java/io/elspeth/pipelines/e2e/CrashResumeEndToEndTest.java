package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import io.elspeth.testkit.postgres.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kill -9 at every dangerous instant of a run, then {@code elspeth resume}: every source row ends
 * in exactly one sink, the Landscape's artifacts hash the files as they are, every source row has
 * exactly one terminal outcome over the runs of the resume chain, and the last run completes. The
 * processes are real and killed with SIGKILL at named crash points (see CrashPoint).
 */
@Tag("e2e")
class CrashResumeEndToEndTest {
  static final int ROWS = 1500;

  @TempDir Path dir;

  private Path settings(String landscapeUrl) throws Exception {
    return CrashHarness.gatePipeline(dir, ROWS, landscapeUrl);
  }

  private static final String PG_SERVER = TestPostgres.get().jdbcUrl();

  /** The PostgreSQL schema of a test with a PostgreSQL Landscape; null with SQLite. */
  private String pgSchema;

  private Path sqliteSettings() throws Exception {
    return settings("sqlite:///" + dir.resolve("audit.db"));
  }

  /** Settings with a Landscape in a PostgreSQL schema of this test's own. */
  private Path postgresSettings() throws Exception {
    pgSchema = "crash_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection c = DriverManager.getConnection(PG_SERVER);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + pgSchema);
    }
    return settings(TestPostgres.get().url() + "?currentSchema=" + pgSchema);
  }

  @AfterEach
  void dropSchema() throws Exception {
    if (pgSchema != null) {
      try (Connection c = DriverManager.getConnection(PG_SERVER);
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA " + pgSchema + " CASCADE");
      }
    }
  }

  private Connection landscape() throws Exception {
    return pgSchema == null
        ? CrashHarness.sqlite(dir.resolve("audit.db"))
        : DriverManager.getConnection(PG_SERVER + "&currentSchema=" + pgSchema);
  }

  /** Resumes the run an operator would resume (the newest unfinished one); it must complete. */
  private void resumeToCompletion(Path settings, String... runnerArgs) throws Exception {
    String runId;
    try (Connection c = landscape()) {
      runId = CrashHarness.runToResume(c);
    }
    String[] args =
        concat(new String[] {"resume", runId, "-s", settings.toString(), "-x"}, runnerArgs);
    CrashHarness.Outcome o = CrashHarness.elspeth(dir, null, args);
    assertThat(o.output(), o.exitCode(), is(0));
    assertThat(o.output(), containsString("completed"));
  }

  private void assertExactlyOnceAndTrue() throws Exception {
    try (Connection c = landscape()) {
      CrashHarness.assertGatePipelineExactlyOnce(dir, ROWS, c);
    }
  }

  static java.util.stream.Stream<String> sqliteKillPoints() {
    return CrashHarness.killPoints(
        List.of(
            "commit.committed@2",
            "sink.staged",
            "sink.intent_recorded",
            "sink.published",
            "commit.outcomes_committed@1",
            "commit.outcomes_committed@2",
            "launch.pipeline_done",
            "launch.reconcile",
            "launch.complete"),
        List.of(
            "commit.committed@2",
            "sink.published",
            "commit.outcomes_committed@2",
            "launch.reconcile"));
  }

  @ParameterizedTest(name = "kill -9 at {0}")
  @org.junit.jupiter.params.provider.MethodSource("sqliteKillPoints")
  void sqliteDirectRunResumesExactlyOnce(String point) throws Exception {
    Path settings = sqliteSettings();
    CrashHarness.Outcome o =
        CrashHarness.elspeth(dir, point, "run", "-s", settings.toString(), "-x");
    assertThat(o.output(), o.killed(), is(true));
    resumeToCompletion(settings);
    assertExactlyOnceAndTrue();
  }

  @ParameterizedTest(name = "rows diverted by on_write_failure, kill -9 at {0}")
  @ValueSource(strings = {"sink.intent_recorded", "sink.published", "commit.outcomes_committed@1"})
  void divertedRowsResumeExactlyOnce(String point) throws Exception {
    Path settings = sqliteSettings();
    // Every 10th customer has a character the ASCII normal sink cannot hold: it is diverted to
    // the high sink, which then holds its id once (a diverted row's state is a step later).
    Path input = dir.resolve("in.csv");
    Files.writeString(
        input, Files.readString(input).replaceAll("(?m)^(\\d*0),c(\\d+),", "$1,c\u00e9$2,"));
    Files.writeString(
        settings,
        Files.readString(settings)
            .replace(
                "normal: {plugin: csv, options: {path: " + dir.resolve("out/normal.csv") + "}}",
                "normal: {plugin: csv, options: {path: "
                    + dir.resolve("out/normal.csv")
                    + ", encoding: ascii}, on_write_failure: high}"));
    CrashHarness.Outcome o =
        CrashHarness.elspeth(dir, point, "run", "-s", settings.toString(), "-x");
    assertThat(o.output(), o.killed(), is(true));
    resumeToCompletion(settings);
    assertExactlyOnceAndTrue();
    try (Connection c = landscape()) {
      assertThat(
          CliHarness.count(
              c,
              "SELECT COUNT(*) FROM token_outcomes WHERE outcome ="
                  + " 'diverted' AND sink_name = 'high'"),
          is(org.hamcrest.Matchers.greaterThan(0L)));
    }
  }

  @ParameterizedTest(name = "database sink, kill -9 at {0}")
  @ValueSource(strings = {"sink.intent_recorded", "sink.published", "commit.outcomes_committed@1"})
  void databaseSinkRunResumesExactlyOnce(String point) throws Exception {
    Path db = dir.resolve("out/high.db");
    Files.createDirectories(db.getParent());
    databaseSinkResumesExactlyOnce(point, "sqlite:///" + db, () -> CrashHarness.sqlite(db));
  }

  @ParameterizedTest(name = "database sink on PostgreSQL, kill -9 at {0}")
  @ValueSource(strings = {"sink.intent_recorded", "sink.published"})
  void postgresDatabaseSinkRunResumesExactlyOnce(String point) throws Exception {
    String target = "sink_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection c = DriverManager.getConnection(PG_SERVER);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + target);
    }
    try {
      databaseSinkResumesExactlyOnce(
          point,
          TestPostgres.get().url() + "?currentSchema=" + target,
          () -> DriverManager.getConnection(PG_SERVER + "&currentSchema=" + target));
    } finally {
      try (Connection c = DriverManager.getConnection(PG_SERVER);
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA " + target + " CASCADE");
      }
    }
  }

  /** Opens a connection to a sink's target database. */
  private interface Target {
    Connection open() throws Exception;
  }

  /** The `high` sink writes table `high` of {@code sinkUrl}; a SQLite Landscape. */
  private void databaseSinkResumesExactlyOnce(String point, String sinkUrl, Target target)
      throws Exception {
    Path settings = sqliteSettings();
    Files.writeString(
        settings,
        Files.readString(settings)
            .replace(
                "high: {plugin: json, options: {path: " + dir.resolve("out/high.jsonl") + "}}",
                "high: {plugin: database, options: {url: \""
                    + sinkUrl
                    + "\", table: high,"
                    + " if_exists: replace}}"));
    CrashHarness.Outcome o =
        CrashHarness.elspeth(dir, point, "run", "-s", settings.toString(), "-x");
    assertThat(o.output(), o.killed(), is(true));
    resumeToCompletion(settings);
    Map<Long, Integer> ids =
        CrashHarness.idsInSinks(dir.resolve("out/normal.csv"), dir.resolve("none.jsonl"));
    try (Connection c = target.open()) {
      for (Map<String, Object> row : CliHarness.query(c, "SELECT id FROM high")) {
        ids.merge(((Number) row.get("id")).longValue(), 1, Integer::sum);
      }
    }
    CrashHarness.assertExactlyOnce(ids, ROWS);
    try (Connection c = landscape()) {
      CrashHarness.assertArtifactsMatchFiles(c, dir.resolve("out/normal.csv"));
      CrashHarness.assertOneTerminalOutcomePerRow(c);
      assertThat(
          CliHarness.query(c, "SELECT status FROM runs ORDER BY started_at DESC")
              .get(0)
              .get("status"),
          equalTo("completed"));
    }
  }

  @ParameterizedTest(name = "PostgreSQL Landscape, kill -9 at {0}")
  @ValueSource(strings = {"sink.intent_recorded", "commit.outcomes_committed@1"})
  void postgresLandscapeRunResumesExactlyOnce(String point) throws Exception {
    Path settings = postgresSettings();
    CrashHarness.Outcome o =
        CrashHarness.elspeth(dir, point, "run", "-s", settings.toString(), "-x");
    assertThat(o.output(), o.killed(), is(true));
    resumeToCompletion(settings);
    assertExactlyOnceAndTrue();
  }

  @ParameterizedTest(name = "flink-local, PostgreSQL Landscape, kill -9 at {0}")
  @ValueSource(strings = {"sink.intent_recorded", "sink.published"})
  void flinkLocalRunResumesExactlyOnce(String point) throws Exception {
    Path settings = postgresSettings();
    CrashHarness.Outcome o =
        CrashHarness.elspeth(
            dir,
            point,
            "run",
            "-s",
            settings.toString(),
            "-x",
            "--runner",
            "flink-local",
            "--parallelism",
            "2");
    assertThat(o.output(), o.killed(), is(true));
    resumeToCompletion(settings, "--runner", "flink-local", "--parallelism", "2");
    assertExactlyOnceAndTrue();
  }

  @ParameterizedTest(name = "kill -9 at {0}, then kill -9 the resume at its repair")
  @ValueSource(strings = {"sink.published", "commit.outcomes_committed@1"})
  void aResumeKilledInTurnIsResumedAgain(String point) throws Exception {
    Path settings = sqliteSettings();
    assertThat(
        CrashHarness.elspeth(dir, point, "run", "-s", settings.toString(), "-x").killed(),
        is(true));
    String first;
    try (Connection c = landscape()) {
      first = CrashHarness.runToResume(c);
    }
    CrashHarness.Outcome killedResume =
        CrashHarness.elspeth(
            dir, "resume.publication_repaired", "resume", first, "-s", settings.toString(), "-x");
    assertThat(killedResume.output(), killedResume.killed(), is(true));
    resumeToCompletion(settings);
    assertExactlyOnceAndTrue();
  }

  @Test
  void aResumeKilledWhileItsOwnSinksPublishIsResumedAgain() throws Exception {
    Path settings = sqliteSettings();
    assertThat(
        CrashHarness.elspeth(dir, "commit.committed@3", "run", "-s", settings.toString(), "-x")
            .killed(),
        is(true));
    String first;
    try (Connection c = landscape()) {
      first = CrashHarness.runToResume(c);
    }
    assertThat(
        CrashHarness.elspeth(
                dir, "sink.published", "resume", first, "-s", settings.toString(), "-x")
            .killed(),
        is(true));
    resumeToCompletion(settings);
    assertExactlyOnceAndTrue();
    try (Connection c = landscape()) {
      assertThat(
          "three runs in the chain",
          CliHarness.count(c, "SELECT COUNT(*) FROM elspeth_resumptions"),
          is(2L));
    }
  }

  @Test
  void aRunWhoseOwnerIsAliveIsNotResumedAndOneResumeWinsARace() throws Exception {
    Path settings = sqliteSettings();
    // The crash point pauses the process without killing it: its lease stays live.
    Path signal = dir.resolve("paused");
    Process owner =
        CrashHarness.start(
            "sink.published",
            signal,
            dir.resolve("paused.log"),
            "run",
            "-s",
            settings.toString(),
            "-x");
    try {
      for (int i = 0; i < 2400 && !Files.exists(signal); i++) {
        Thread.sleep(100);
      }
      assertThat("the run paused at its crash point", Files.exists(signal), is(true));
      String runId;
      try (Connection c = landscape()) {
        runId = CliHarness.query(c, "SELECT run_id FROM runs").get(0).get("run_id").toString();
      }
      CliHarness.Result refused = CliHarness.run("resume", runId, "-s", settings.toString(), "-x");
      assertThat(refused.err(), refused.exitCode(), is(1));
      assertThat(refused.err(), containsString("is still running"));
      assertThat(refused.err(), containsString("pid " + owner.pid()));
      CliHarness.Result listed =
          CliHarness.run("runs", "--database", dir.resolve("audit.db").toString());
      assertThat(listed.out(), containsString("running"));

      owner.destroyForcibly().waitFor();
      CliHarness.Result interrupted =
          CliHarness.run("runs", "--database", dir.resolve("audit.db").toString(), "--json");
      assertThat(interrupted.out(), containsString("\"status\":\"interrupted\""));

      // Two resumes at once: exactly one runs, the other is refused.
      CompletableFuture<CrashHarness.Outcome> a =
          CompletableFuture.supplyAsync(() -> resume(runId, settings));
      CompletableFuture<CrashHarness.Outcome> b =
          CompletableFuture.supplyAsync(() -> resume(runId, settings));
      CrashHarness.Outcome ra = a.get();
      CrashHarness.Outcome rb = b.get();
      assertThat(ra.output() + "\n----\n" + rb.output(), ra.exitCode() + rb.exitCode(), is(1));
      CrashHarness.Outcome loser = ra.exitCode() == 1 ? ra : rb;
      assertThat(
          loser.output(),
          anyOf(
              containsString("already resumed by run"),
              containsString("is being resumed by run"),
              containsString("is still running")));
      assertExactlyOnceAndTrue();

      CliHarness.Result again = CliHarness.run("resume", runId, "-s", settings.toString(), "-x");
      assertThat(again.exitCode(), is(1));
      assertThat(again.err(), containsString("already resumed by run"));
    } finally {
      owner.destroyForcibly();
    }
  }

  private CrashHarness.Outcome resume(String runId, Path settings) {
    try {
      return CrashHarness.elspeth(dir, null, "resume", runId, "-s", settings.toString(), "-x");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
