package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The PostgreSQL server holding the Landscape dies in the middle of a run (a server of the test's
 * own, stopped with {@code pg_ctl stop -m immediate} while the run is paused at a crash point), or
 * goes silent (SIGSTOP): the run fails fast with a clear message and no stack trace; once the
 * server is back, {@code elspeth resume} finishes it exactly once.
 */
@Tag("e2e")
class LandscapeServerDiesEndToEndTest {
  static final int ROWS = 1500;

  /** How long the run may take to notice the dead server and exit; a hang never ends. */
  static final long FAIL_FAST_SECONDS = 90;

  @TempDir Path dir;

  /** What the test does to the server at the paused point, and after the failed run. */
  private interface ServerAction {
    void apply(OwnPostgres pg) throws Exception;
  }

  @ParameterizedTest(name = "server stopped at {0}")
  @ValueSource(strings = {"commit.committed@2", "sink.staged"})
  void theRunFailsFastAndResumesExactlyOnceAfterARestart(String point) throws Exception {
    failsFastThenResumesExactlyOnce(point, "", OwnPostgres::stopImmediately, OwnPostgres::start);
  }

  /**
   * The server goes silent instead (SIGSTOP of its processes: its sockets stay open and nothing
   * comes back), which no socket error reveals: the silence guard notices that the server does not
   * answer a new connection within the URL's {@code serverSilenceTimeout}, aborts the run's blocked
   * connections, and the run ends with the same message. Once the server wakes (SIGCONT), the
   * resume finishes the run exactly once.
   */
  @Test
  void aSilentServerFailsTheRunWithinItsSilenceTimeoutAndTheResumeFinishesIt() throws Exception {
    failsFastThenResumesExactlyOnce(
        "commit.committed@2", "?serverSilenceTimeout=5", OwnPostgres::silence, OwnPostgres::wake);
  }

  /**
   * Runs the gate pipeline on a PostgreSQL of the test's own (its Landscape URL with {@code
   * urlQuery}), paused at {@code point}; applies {@code fail} to the server there; checks that the
   * run ends on its own with the clear message; applies {@code recover}; then resumes the run and
   * checks that it completes exactly once.
   */
  private void failsFastThenResumesExactlyOnce(
      String point, String urlQuery, ServerAction fail, ServerAction recover) throws Exception {
    Optional<Path> bin = OwnPostgres.binaries();
    Assumptions.assumeTrue(bin.isPresent(), "no PostgreSQL initdb/pg_ctl installed");
    try (OwnPostgres pg = OwnPostgres.start(bin.get())) {
      Path settings = CrashHarness.gatePipeline(dir, ROWS, pg.landscapeUrl() + urlQuery);
      Path signal = dir.resolve("paused");
      Path release = dir.resolve("release");
      Path log = dir.resolve("run.log");
      Process run =
          CrashHarness.start(point, signal, release, log, "run", "-s", settings.toString(), "-x");
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CrashHarness.TIMEOUT_SECONDS);
        while (!Files.exists(signal) && run.isAlive() && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        assertThat(
            "the run paused at " + point + ":\n" + Files.readString(log),
            Files.exists(signal),
            is(true));
        fail.apply(pg);
        Files.writeString(release, "go");
        boolean ended = run.waitFor(FAIL_FAST_SECONDS, TimeUnit.SECONDS);
        String output = Files.readString(log);
        assertThat(
            "the run ends within " + FAIL_FAST_SECONDS + " s of losing its Landscape:\n" + output,
            ended,
            is(true));
        assertThat(output, run.exitValue(), not(is(0)));
        assertThat(output, containsString("elspeth: run "));
        assertThat(output, containsString("stopped answering"));
        assertThat(output, containsString("elspeth resume "));
        assertThat(
            "no stack trace without --verbose:\n" + output, output, not(containsString("\tat ")));
      } finally {
        run.destroyForcibly();
      }
      recover.apply(pg);

      String runId;
      try (Connection c = DriverManager.getConnection(pg.jdbcUrl())) {
        runId = CrashHarness.runToResume(c);
      }
      CrashHarness.Outcome resumed =
          CrashHarness.elspeth(dir, null, "resume", runId, "-s", settings.toString(), "-x");
      assertThat(resumed.output(), resumed.exitCode(), is(0));
      assertThat(resumed.output(), containsString("completed"));
      try (Connection c = DriverManager.getConnection(pg.jdbcUrl())) {
        CrashHarness.assertGatePipelineExactlyOnce(dir, ROWS, c);
      }
    }
  }
}
