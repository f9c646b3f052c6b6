package io.elspeth.pipelines.launch;

import io.elspeth.audit.store.LandscapeStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a running run's progress from its Landscape at an interval, in the launcher's process, so
 * that it works on every runner (a Flink cluster's workers included): two counts by run id on
 * indexed columns ({@code rows.run_id}, {@code token_outcomes.run_id}).
 *
 * <p>It has its own connection, outside the store's pool: on SQLite that pool is the one writer the
 * commits need, and a WAL reader never blocks it. A count grows with the run, so the wait after a
 * poll is at least twenty times what the poll took: polling never takes more than about 5 % of the
 * launcher's time. Progress is best effort: a failed poll is logged and skipped, never a run
 * failure.
 */
final class ProgressPoller implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressPoller.class);
  private static final int WAIT_PER_POLL_TIME = 20;

  private final LandscapeStore store;
  private final String runId;
  private final Duration interval;
  private final long estimatedRows;
  private final RunObserver observer;
  private final long startNanos;
  private final CountDownLatch stop = new CountDownLatch(1);
  private final Thread thread;
  private @Nullable Connection connection;

  private ProgressPoller(
      LandscapeStore store,
      String runId,
      Duration interval,
      long estimatedRows,
      RunObserver observer,
      long startNanos) {
    this.store = store;
    this.runId = runId;
    this.interval = interval;
    this.estimatedRows = estimatedRows;
    this.observer = observer;
    this.startNanos = startNanos;
    this.thread = new Thread(this::loop, "elspeth-progress-" + runId);
    this.thread.setDaemon(true);
  }

  /**
   * Starts polling every {@code interval}; {@code estimatedRows} is -1 when the source's size is
   * unknown.
   */
  static ProgressPoller start(
      LandscapeStore store,
      String runId,
      Duration interval,
      long estimatedRows,
      RunObserver observer,
      long startNanos) {
    ProgressPoller poller =
        new ProgressPoller(store, runId, interval, estimatedRows, observer, startNanos);
    poller.thread.start();
    return poller;
  }

  private void loop() {
    long waitNanos = interval.toNanos();
    try {
      while (!stop.await(waitNanos, TimeUnit.NANOSECONDS)) {
        long t0 = System.nanoTime();
        pollAndReport(false);
        waitNanos = Math.max(interval.toNanos(), (System.nanoTime() - t0) * WAIT_PER_POLL_TIME);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops polling and reports the counts once more: the rows' final progress. */
  @Override
  public void close() {
    stop.countDown();
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    pollAndReport(true);
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        LOG.debug("progress connection close failed run_id={} error={}", runId, e.getMessage());
      }
    }
  }

  private void pollAndReport(boolean last) {
    try {
      observer.progress(read(last));
    } catch (SQLException | RuntimeException e) {
      LOG.debug("progress poll failed run_id={} error={}", runId, e.getMessage());
      // A connection the server dropped (or the silence guard aborted) is opened again.
      if (connection != null) {
        try {
          connection.close();
        } catch (SQLException closing) {
          LOG.debug("progress connection close failed run_id={}", runId);
        }
        connection = null;
      }
    }
  }

  private RunProgress read(boolean last) throws SQLException {
    Connection c = connection();
    long rows;
    try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM rows WHERE run_id = ?")) {
      ps.setString(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        rows = rs.getLong(1);
      }
    }
    long processed = 0;
    long succeeded = 0;
    long routed = 0;
    long quarantined = 0;
    long failed = 0;
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT outcome, COUNT(*) FROM token_outcomes"
                + " WHERE run_id = ? AND is_terminal = 1 GROUP BY outcome")) {
      ps.setString(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long n = rs.getLong(2);
          processed += n;
          switch (rs.getString(1)) {
            case "completed" -> succeeded += n;
            case "routed" -> routed += n;
            case "quarantined" -> quarantined += n;
            case "failed" -> failed += n;
            default -> {}
          }
        }
      }
    }
    return new RunProgress(
        rows,
        processed,
        succeeded,
        routed,
        quarantined,
        failed,
        (System.nanoTime() - startNanos) / 1e9,
        estimatedRows,
        last);
  }

  private Connection connection() throws SQLException {
    if (connection == null) {
      // Its own connection (a SQLite Landscape's pool has one, for the commits), with the
      // pool's driver settings and watched for a silent server as the pool's connections are.
      connection = store.separateConnection();
    }
    return connection;
  }
}
