package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI with a PostgreSQL Landscape (TestPostgres, database test), one schema per test. */
@Tag("e2e")
class PostgresLandscapeEndToEndTest {
  private static final String SERVER = TestPostgres.get().jdbcUrl();

  @TempDir Path dir;

  private String schema;

  @BeforeEach
  void createSchema() throws Exception {
    schema = "e2e_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection c = DriverManager.getConnection(SERVER);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
  }

  @AfterEach
  void dropSchema() throws Exception {
    try (Connection c = DriverManager.getConnection(SERVER);
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA " + schema + " CASCADE");
    }
  }

  private Connection landscape() throws Exception {
    return DriverManager.getConnection(SERVER + "&currentSchema=" + schema);
  }

  private Path pipelineWithLandscape(String url) throws Exception {
    Path settings = CliHarness.example("validation_quarantine", dir);
    String yaml =
        Files.readString(settings).replaceAll("url: sqlite:///\\S+", "url: \"" + url + "\"");
    Files.writeString(settings, yaml);
    return settings;
  }

  @Test
  void aRunRecordsItsWholeLineageInPostgresql() throws Exception {
    Path settings = pipelineWithLandscape(TestPostgres.get().url() + "?currentSchema=" + schema);
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));
    try (Connection c = landscape()) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(Map.of("completed@valid", 3L, "quarantined@quarantine", 3L)));
    }
    CliHarness.Result explain =
        CliHarness.run(
            "explain",
            "--run",
            "latest",
            "--row",
            "1",
            "--database",
            TestPostgres.get().url() + "?currentSchema=" + schema);
    assertThat(explain.err(), explain.exitCode(), is(0));
    assertThat(explain.out(), containsString("quarantined"));
  }

  @Test
  void anUnreachableLandscapeFailsTheRunWithoutLeakingThePassword() throws Exception {
    Path settings = pipelineWithLandscape("postgresql://postgres:hunter2@127.0.0.1:1/test");
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
    assertThat(r.exitCode(), is(1));
    assertThat(r.err(), containsString("cannot open the Landscape database"));
    assertThat(r.err() + r.out(), not(containsString("hunter2")));
    assertThat(
        "no output is written without its audit record",
        Files.exists(dir.resolve("valid.csv")),
        is(false));
  }
}
