package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.elspeth.audit.crash.CrashPoint;
import io.elspeth.testkit.postgres.TestPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A standalone Flink cluster's TaskManager is killed with SIGKILL while a sink writes (its task
 * paused at a crash point); a second TaskManager joins and Flink restarts the job's tasks there
 * (the cluster's fixed-delay restart strategy). Each test starts its own cluster: a TaskManager
 * reads its crash point when it starts.
 */
@Tag("e2e")
class FlinkClusterCrashEndToEndTest {
  static final int ROWS = 1500;
  private static final String SERVER = TestPostgres.get().jdbcUrl();

  @TempDir Path dir;
  private FlinkClusterScript cluster;
  private String schema;

  @AfterEach
  void stopClusterAndDropSchema() throws Exception {
    if (cluster != null) {
      script(Map.of(), "stop");
    }
    if (schema != null) {
      try (Connection c = DriverManager.getConnection(SERVER);
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }

  /** Starts a cluster whose first TaskManager pauses at {@code point}; returns the signal. */
  private Path startClusterPausingAt(String point) throws Exception {
    cluster = new FlinkClusterScript(dir.resolve("cluster"));
    Path signal = dir.resolve("paused");
    // Only the first TaskManager pauses: it gets the crash point; the one added later does not.
    CliHarness.Result started =
        script(Map.of(CrashPoint.AT_ENV, point, CrashPoint.SIGNAL_ENV, signal.toString()), "start");
    assertThat("cluster start: " + started.out() + logs(), started.exitCode(), is(0));
    return signal;
  }

  private Path settings() throws Exception {
    schema = "flinkcrash_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection c = DriverManager.getConnection(SERVER);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    return CrashHarness.gatePipeline(
        dir, ROWS, TestPostgres.get().url() + "?currentSchema=" + schema);
  }

  private Connection landscape() throws Exception {
    return DriverManager.getConnection(SERVER + "&currentSchema=" + schema);
  }

  /**
   * Runs {@code elspeth args} against the cluster; once a task of the first TaskManager paused,
   * adds a TaskManager and kills the first with SIGKILL; returns the command's outcome.
   */
  private CrashHarness.Outcome killTaskManagerDuring(Path signal, String... args) throws Exception {
    Path log = dir.resolve("run-" + System.nanoTime() + ".log");
    String[] all = java.util.Arrays.copyOf(args, args.length + 4);
    System.arraycopy(
        new String[] {
          "--runner", "flink-cluster", "--flink-master", "localhost:" + cluster.restPort
        },
        0,
        all,
        args.length,
        4);
    Process run = CrashHarness.start(null, null, log, all);
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CrashHarness.TIMEOUT_SECONDS);
      while (!Files.exists(signal) && run.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(
          "a sink task paused:\n" + Files.readString(log) + logs(), Files.exists(signal), is(true));
      CliHarness.Result added = script(Map.of(), "add-taskmanager");
      assertThat(added.out(), added.exitCode(), is(0));
      long taskManager =
          Long.parseLong(Files.readString(cluster.dir.resolve("taskmanager.pid")).trim());
      ProcessHandle.of(taskManager).ifPresent(ProcessHandle::destroyForcibly);
      assertThat(
          "the run ends:\n" + Files.readString(log) + logs(),
          run.waitFor(CrashHarness.TIMEOUT_SECONDS, TimeUnit.SECONDS),
          is(true));
      return new CrashHarness.Outcome(false, run.exitValue(), Files.readString(log));
    } finally {
      run.destroyForcibly();
    }
  }

  @Test
  void aTaskManagerKilledWhileASinkWritesIsReplacedAndTheRunIsExactlyOnce() throws Exception {
    Path signal = startClusterPausingAt("sink.staged");
    Path settings = settings();
    CrashHarness.Outcome o = killTaskManagerDuring(signal, "run", "-s", settings.toString(), "-x");
    assertThat(o.output() + logs(), o.exitCode(), is(0));
    assertThat(o.output(), containsString("completed"));
    try (Connection c = landscape()) {
      CrashHarness.assertGatePipelineExactlyOnce(dir, ROWS, c);
    }
  }

  /**
   * In a resumed run the sinks append: a sink task restarted after its killed attempt published
   * refuses to append its rows to that attempt's copy of them, the run fails saying so, and the
   * next resume (DirectRunner) completes the killed attempt's outcomes and finishes exactly once.
   */
  @Test
  void aRestartedSinkOfAResumedRunRefusesToWriteItsRowsTwiceAndTheNextResumeIsExactlyOnce()
      throws Exception {
    Path settings = settings();
    assertThat(
        CrashHarness.elspeth(dir, "commit.committed@2", "run", "-s", settings.toString(), "-x")
            .killed(),
        is(true));
    Path signal = startClusterPausingAt("sink.published");
    String first;
    try (Connection c = landscape()) {
      first = CrashHarness.runToResume(c);
    }
    CrashHarness.Outcome refused =
        killTaskManagerDuring(signal, "resume", first, "-s", settings.toString(), "-x");
    assertThat(refused.output() + logs(), refused.exitCode(), is(1));
    assertThat(refused.output(), containsString("would write its rows twice"));
    String second;
    try (Connection c = landscape()) {
      second = CrashHarness.runToResume(c);
    }
    CrashHarness.Outcome resumed =
        CrashHarness.elspeth(dir, null, "resume", second, "-s", settings.toString(), "-x");
    assertThat(resumed.output(), resumed.exitCode(), is(0));
    try (Connection c = landscape()) {
      CrashHarness.assertGatePipelineExactlyOnce(dir, ROWS, c);
    }
  }

  private CliHarness.Result script(Map<String, String> env, String command) throws Exception {
    Map<String, String> all = new java.util.HashMap<>(env);
    // A killed TaskManager is noticed after two failed heartbeat RPCs (4 s), not Flink's default
    // 20 s; the timeout stays generous for a live TaskManager on a loaded machine.
    all.put("FLINK_CONF_EXTRA", "heartbeat.interval: 2000\nheartbeat.timeout: 20000");
    return cluster.run(all, command);
  }

  private String logs() throws IOException {
    return cluster == null ? "" : cluster.logs();
  }
}
