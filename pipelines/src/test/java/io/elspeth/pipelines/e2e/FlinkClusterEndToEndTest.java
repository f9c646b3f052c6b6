package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import io.elspeth.testkit.postgres.TestPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
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
 * A standalone Flink cluster (JobManager and TaskManager JVMs started by
 * {@code runners-config/bin/flink-cluster} on loopback) receives the job {@code elspeth run
 * --runner flink-cluster} submits; the run's Landscape (PostgreSQL, written from the TaskManager
 * JVM) and outputs are complete.
 */
@Tag("e2e")
class FlinkClusterEndToEndTest {
  private static final String SERVER = TestPostgres.get().jdbcUrl();
  private static final Path SCRIPT = CliHarness.REPO.resolve("runners-config/bin/flink-cluster");
  private static Path clusterDir;
  private static int restPort;

  @TempDir
  Path dir;

  @BeforeAll
  static void startCluster(@TempDir Path tmp) throws Exception {
    clusterDir = tmp.resolve("cluster");
    restPort = freePort();
    CliHarness.Result r = script("start");
    assertThat("cluster start: " + r.out() + r.err() + logs(), r.exitCode(), is(0));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    script("stop");
  }

  @Test
  void aJobSubmittedToTheClusterLeavesAWholeLandscapeAndItsOutputs() throws Exception {
    String schema = "flinkcl_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection c = DriverManager.getConnection(SERVER); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    try {
      Path settings = CliHarness.example("threshold_gate", dir);
      Files.writeString(settings, Files.readString(settings).replaceAll("url: sqlite:///\\S+",
          "url: \"" + TestPostgres.get().url() + "?currentSchema=" + schema + "\""));
      CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute",
          "--runner", "flink-cluster", "--flink-master", "localhost:" + restPort);
      assertThat(r.err() + logs(), r.exitCode(), is(0));
      try (Connection c = DriverManager.getConnection(SERVER + "&currentSchema=" + schema)) {
        LandscapeInvariants.assertReconciles(c);
        assertThat(LandscapeInvariants.outcomes(c),
            equalTo(Map.of("completed@normal", 3L, "routed@high_values", 3L)));
      }
      assertThat(CliHarness.lines(dir.resolve("normal.csv")).size(), is(4));
      assertThat(CliHarness.lines(dir.resolve("high_values.csv")).size(), is(4));
    } finally {
      try (Connection c = DriverManager.getConnection(SERVER); Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }

  private static CliHarness.Result script(String command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(SCRIPT.toString(), command);
    pb.environment().put("FLINK_CLUSTER_DIR", clusterDir.toString());
    pb.environment().put("FLINK_REST_PORT", String.valueOf(restPort));
    pb.environment().put("FLINK_RPC_PORT", String.valueOf(freePort()));
    // The JVMs get this test's classpath, built by Maven (bin/elspeth would build the project).
    pb.environment().put("FLINK_CLUSTER_CLASSPATH", System.getProperty("java.class.path"));
    Path out = Files.createTempFile("flink-cluster", ".out");
    pb.redirectErrorStream(true).redirectOutput(out.toFile());
    Process p = pb.start();
    if (!p.waitFor(240, TimeUnit.SECONDS)) {
      p.destroy();
      return new CliHarness.Result(-1, Files.readString(out), "timed out");
    }
    return new CliHarness.Result(p.exitValue(), Files.readString(out), "");
  }

  private static String logs() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (String name : List.of("jobmanager.log", "taskmanager.log")) {
      Path f = clusterDir.resolve("log").resolve(name);
      if (Files.exists(f)) {
        List<String> lines = Files.readAllLines(f);
        sb.append("\n== ").append(name).append('\n')
            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
      }
    }
    return sb.toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
