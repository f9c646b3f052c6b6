package io.elspeth.telemetry.manager;

import io.elspeth.telemetry.event.HealthEvent;
import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.exporter.ExportResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accounts each batch's export results, in FIFO order: a failure counts against its exporter; a
 * batch every exporter failed is a total failure, and a streak of {@code maxConsecutiveFailures} of
 * them either stores an error that the next flush raises ({@code failOnTotal}) or disables
 * telemetry, dropping what is queued. Says what happened as health events for the caller to report.
 *
 * <p>Guarded by the manager's lock (see {@link EventQueue}).
 */
final class FailureStreak {
  private static final Logger LOG = LoggerFactory.getLogger(FailureStreak.class);

  private final ReentrantLock lock;
  private final HealthAccounting accounting;
  private final EventQueue queue;
  private final List<String> exporterNames;
  private final int maxConsecutiveFailures;
  private final boolean failOnTotal;
  private @Nullable TelemetryFailureException storedFailure;

  FailureStreak(
      ReentrantLock lock,
      HealthAccounting accounting,
      EventQueue queue,
      List<String> exporterNames,
      int maxConsecutiveFailures,
      boolean failOnTotal) {
    this.lock = lock;
    this.accounting = accounting;
    this.queue = queue;
    this.exporterNames = List.copyOf(exporterNames);
    this.maxConsecutiveFailures = maxConsecutiveFailures;
    this.failOnTotal = failOnTotal;
  }

  /**
   * Counts one batch's results ({@code results.get(i)} is exporter {@code i}'s) and returns the
   * health events they call for.
   */
  List<HealthEvent> account(List<TelemetryEvent> batch, List<ExportResult> results) {
    List<HealthEvent> health = new ArrayList<>();
    boolean healthOnly = batch.stream().allMatch(e -> e instanceof HealthEvent);
    int failures = 0;
    for (int i = 0; i < exporterNames.size(); i++) {
      ExportResult result = results.get(i);
      if (result.success()) {
        continue;
      }
      failures++;
      if (healthOnly) {
        // Health events are already on the last-resort channel; losing their copy to a broken
        // exporter is not counted, or a dead backend would feed on its own failure reports.
        continue;
      }
      String exporter = exporterNames.get(i);
      long count = accounting.countExporterFailure(exporter);
      // DEBUG: the health line below is the user's one report of this failure.
      LOG.debug(
          "Telemetry exporter failed exporter={} events={} error={}",
          exporter,
          batch.size(),
          result.error());
      if (count <= 10 || count % HealthAccounting.REPORT_INTERVAL == 0) {
        health.add(
            new HealthEvent.ExporterFailed(
                Instant.now(),
                accounting.runId(),
                exporter,
                count,
                batch.size(),
                String.valueOf(result.error())));
      }
    }
    lock.lock();
    try {
      if (failures < exporterNames.size()) {
        accounting.countDelivered(batch.size());
      } else if (healthOnly) {
        LOG.debug(
            "health events not exported run_id={} count={}", accounting.runId(), batch.size());
      } else {
        totalFailure(batch.size(), health);
      }
    } finally {
      lock.unlock();
    }
    return health;
  }

  /** Must hold the lock. A batch every exporter failed: extends the streak, maybe trips it. */
  private void totalFailure(int events, List<HealthEvent> health) {
    int streak = accounting.countTotalFailure(events);
    if (streak == 1 || streak % HealthAccounting.REPORT_INTERVAL == 0) {
      health.add(
          new HealthEvent.AllExportersFailing(
              Instant.now(), accounting.runId(), streak, accounting.dropped()));
    }
    accounting.countReportedDrop(0);
    if (streak < maxConsecutiveFailures) {
      return;
    }
    String message = streakMessage();
    if (failOnTotal) {
      storedFailure =
          new TelemetryFailureException(
              "telemetry: " + message + " (fail_on_total_exporter_failure is true)");
    } else if (accounting.disable()) {
      // Later events would only fail too: drop what is queued, counted (health events among
      // them are already on the last-resort channel, so not counted as dropped).
      accounting.countReportedDrop(queue.removeAll());
      long dropped = accounting.dropped();
      LOG.error(
          "Telemetry disabled after repeated total failures run_id={} "
              + "consecutive_failures={} events_dropped={}",
          accounting.runId(),
          streak,
          dropped);
      health.add(
          new HealthEvent.TelemetryDisabled(
              Instant.now(), accounting.runId(), message, streak, dropped));
    }
  }

  /**
   * What tripped the streak, as ELSPETH says it: the threshold, not the streak so far (with {@code
   * fail_on_total_exporter_failure} the streak goes on growing until the flush raises the error).
   */
  private String streakMessage() {
    String who =
        exporterNames.size() == 1
            ? "The exporter " + exporterNames.get(0)
            : "All " + exporterNames.size() + " exporters";
    String what =
        maxConsecutiveFailures == 1 ? "a batch" : maxConsecutiveFailures + " consecutive batches";
    return who
        + " failed to export "
        + what
        + " (max_consecutive_failures: "
        + maxConsecutiveFailures
        + ").";
  }

  /** The stored total-failure error, cleared: a flush raises it once. */
  @Nullable TelemetryFailureException takeStoredFailure() {
    lock.lock();
    try {
      TelemetryFailureException failure = storedFailure;
      storedFailure = null;
      return failure;
    } finally {
      lock.unlock();
    }
  }
}
