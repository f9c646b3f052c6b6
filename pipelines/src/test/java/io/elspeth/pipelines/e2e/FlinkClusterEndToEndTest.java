package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.elspeth.runners.FlinkJobJar;
import io.elspeth.testkit.postgres.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A standalone Flink cluster (JobManager and TaskManager JVMs started by {@code
 * runners-config/bin/flink-cluster} on loopback, with Flink's classes only) runs elspeth's Flink
 * job jar, submitted by {@code elspeth run --runner flink-cluster} and by Flink's own client
 * ({@code flink run JAR run -s settings.yaml --execute}); the run's Landscape (PostgreSQL, written
 * from the TaskManager JVM) and outputs are complete.
 */
@Tag("e2e")
class FlinkClusterEndToEndTest {
  private static final String SERVER = TestPostgres.get().jdbcUrl();
  private static FlinkClusterScript cluster;

  @TempDir Path dir;

  @BeforeAll
  static void startCluster(@TempDir Path tmp) throws Exception {
    cluster = new FlinkClusterScript(tmp.resolve("cluster"));
    CliHarness.Result r = cluster.run(Map.of(), "start");
    assertThat("cluster start: " + r.out() + r.err() + cluster.logs(), r.exitCode(), is(0));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    cluster.run(Map.of(), "stop");
  }

  @Test
  void aJobSubmittedByElspethLeavesAWholeLandscapeAndItsOutputs() throws Exception {
    inASchema(
        settings -> {
          CliHarness.Result r =
              CliHarness.run(
                  "run",
                  "-s",
                  settings.toString(),
                  "--execute",
                  "--runner",
                  "flink-cluster",
                  "--flink-master",
                  "localhost:" + cluster.restPort);
          assertThat(r.err() + cluster.logs(), r.exitCode(), is(0));
        });
  }

  /**
   * The door of a cluster a team runs itself: Flink's command-line client ({@code flink run}, whose
   * main class is {@code CliFrontend}) on Flink's classpath, given the job jar and the elspeth
   * arguments; the run goes to the client's cluster ({@code --flink-master auto}).
   */
  @Test
  void flinkRunTakesTheJobJarWithTheSettingsFileAsItsArgument() throws Exception {
    inASchema(
        settings -> {
          Path log = dir.resolve("flink-run.log");
          ProcessBuilder pb =
              new ProcessBuilder(flinkRun(null, settings))
                  .redirectErrorStream(true)
                  .redirectOutput(log.toFile());
          pb.environment().put("FLINK_CONF_DIR", cluster.dir.resolve("conf").toString());
          Process p = pb.start();
          assertThat(
              "flink run ends",
              p.waitFor(CrashHarness.TIMEOUT_SECONDS, TimeUnit.SECONDS),
              is(true));
          assertThat(Files.readString(log) + cluster.logs(), p.exitValue(), is(0));
        });
  }

  /**
   * A detached submission ({@code flink run -d}, as the REST API's jar run also is) is refused
   * before anything is recorded: elspeth could not wait for the job to complete the run.
   */
  @Test
  void aDetachedSubmissionIsRefusedBeforeAnyRecord() throws Exception {
    Path settings = CliHarness.example("threshold_gate", dir);
    Path log = dir.resolve("flink-run-detached.log");
    ProcessBuilder pb =
        new ProcessBuilder(flinkRun("-d", settings))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("FLINK_CONF_DIR", cluster.dir.resolve("conf").toString());
    Process p = pb.start();
    assertThat(
        "flink run -d ends", p.waitFor(CrashHarness.TIMEOUT_SECONDS, TimeUnit.SECONDS), is(true));
    String output = Files.readString(log);
    assertThat(output, p.exitValue(), is(not(0)));
    assertThat(output, containsString("elspeth's job jar runs attached only"));
    assertThat(Files.exists(dir.resolve("landscape.db")), is(false));
  }

  /** Flink's command-line client: {@code flink run [OPTION] -m MASTER JOB_JAR run -s FILE -x}. */
  private static List<String> flinkRun(String option, Path settings) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-cp",
                FlinkClusterScript.flinkClasspath(),
                "org.apache.flink.client.cli.CliFrontend",
                "run"));
    if (option != null) {
      command.add(option);
    }
    command.addAll(
        List.of(
            "-m",
            "localhost:" + cluster.restPort,
            FlinkJobJar.locate().toString(),
            "run",
            "-s",
            settings.toString(),
            "--execute"));
    return command;
  }

  private interface Submission {
    void submit(Path settings) throws Exception;
  }

  /**
   * The threshold_gate example with its Landscape in a schema of its own, submitted and checked.
   */
  private void inASchema(Submission submission) throws Exception {
    String schema = "flinkcl_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection c = DriverManager.getConnection(SERVER);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    try {
      Path settings = CliHarness.example("threshold_gate", dir);
      Files.writeString(
          settings,
          Files.readString(settings)
              .replaceAll(
                  "url: sqlite:///\\S+",
                  "url: \"" + TestPostgres.get().url() + "?currentSchema=" + schema + "\""));
      submission.submit(settings);
      try (Connection c = DriverManager.getConnection(SERVER + "&currentSchema=" + schema)) {
        LandscapeInvariants.assertReconciles(c);
        assertThat(
            LandscapeInvariants.outcomes(c),
            equalTo(Map.of("completed@normal", 3L, "routed@high_values", 3L)));
      }
      assertThat(CliHarness.lines(dir.resolve("normal.csv")).size(), is(4));
      assertThat(CliHarness.lines(dir.resolve("high_values.csv")).size(), is(4));
    } finally {
      try (Connection c = DriverManager.getConnection(SERVER);
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }
}
