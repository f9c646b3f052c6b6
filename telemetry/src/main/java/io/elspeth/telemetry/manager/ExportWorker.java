package io.elspeth.telemetry.manager;

import io.elspeth.telemetry.config.Granularity;
import io.elspeth.telemetry.event.HealthEvent;
import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.exporter.ExportResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The body of the export thread: takes batches off the queue in FIFO order, hands each to every
 * exporter, and accounts the results in FIFO order too, exactly as if each batch had been exported
 * synchronously; up to {@code maxInFlight} batches may await their results at once, so a backend's
 * request latency does not set the pace. A batch holding a lifecycle event (RunStarted,
 * PhaseChanged, RunFinished) is a barrier: it is sent alone in flight and waited for, so run
 * boundaries reach the backend in order. Writes a health snapshot every {@code healthInterval}. On
 * shutdown it sends what is queued and waits for the answers still out.
 */
final class ExportWorker implements Runnable {
  private final EventQueue queue;
  private final InFlightBatches inFlight;
  private final ExporterFanOut exporters;
  private final FailureStreak streak;
  private final HealthAccounting accounting;
  private final HealthReporter reporter;
  private final int maxInFlight;
  private final Duration healthInterval;

  /** System.nanoTime() of the next health snapshot; the export thread's own. */
  private long nextSnapshot;

  ExportWorker(
      EventQueue queue,
      InFlightBatches inFlight,
      ExporterFanOut exporters,
      FailureStreak streak,
      HealthAccounting accounting,
      HealthReporter reporter,
      int maxInFlight,
      Duration healthInterval) {
    this.queue = queue;
    this.inFlight = inFlight;
    this.exporters = exporters;
    this.streak = streak;
    this.accounting = accounting;
    this.reporter = reporter;
    this.maxInFlight = maxInFlight;
    this.healthInterval = healthInterval;
  }

  @Override
  public void run() {
    nextSnapshot = System.nanoTime() + healthInterval.toNanos();
    try {
      while (true) {
        settleFinished();
        List<TelemetryEvent> batch =
            queue.awaitBatch(inFlight::oldestSettleable, () -> inFlight.wakeAt(nextSnapshot));
        if (batch == null) {
          break;
        }
        if (System.nanoTime() - nextSnapshot >= 0) {
          nextSnapshot = System.nanoTime() + healthInterval.toNanos();
          HealthEvent.HealthSnapshot s = accounting.snapshot(false);
          reporter.lastResort(s);
          if (!accounting.disabled()) {
            batch.add(s);
          }
        }
        if (!batch.isEmpty()) {
          dispatch(batch);
        }
      }
      // Shutdown: everything is sent; wait for the answers still out.
      settleAll();
    } catch (InterruptedException e) {
      // The close gave up waiting; it counts what is left.
    }
  }

  private static boolean isBarrier(List<TelemetryEvent> batch) {
    for (TelemetryEvent e : batch) {
      if (!(e instanceof HealthEvent) && e.minimumGranularity() == Granularity.LIFECYCLE) {
        return true;
      }
    }
    return false;
  }

  /** Hands the batch to every exporter, keeping at most maxInFlight batches unaccounted. */
  private void dispatch(List<TelemetryEvent> batch) throws InterruptedException {
    boolean barrier = isBarrier(batch);
    if (barrier) {
      settleAll();
    }
    while (inFlight.size() >= maxInFlight) {
      settleOldest();
    }
    if (accounting.disabled()) {
      skip(batch);
      return;
    }
    List<CompletableFuture<ExportResult>> results = exporters.export(batch, queue::wake);
    inFlight.add(new InFlightBatches.Batch(batch, results, exporters.resultDeadline()));
    if (barrier) {
      settleAll();
    }
  }

  /**
   * A batch taken off the queue before the failure streak disabled telemetry, found disabled once
   * room in flight was made: it is not sent (it would only fail, and count a failure past the
   * streak), and its events are dropped as the queued ones were (health events aside, which are on
   * the last-resort channel already).
   */
  private void skip(List<TelemetryEvent> batch) {
    accounting.countReportedDrop(batch);
    queue.markDone(batch.size());
  }

  /** Accounts the batches at the head whose results are all in, without waiting. */
  private void settleFinished() throws InterruptedException {
    while (inFlight.oldestSettleable()) {
      settleOldest();
    }
  }

  private void settleAll() throws InterruptedException {
    while (inFlight.size() > 0) {
      settleOldest();
    }
  }

  /** Waits (bounded by the export timeout) for the oldest batch's results and accounts them. */
  private void settleOldest() throws InterruptedException {
    InFlightBatches.Batch oldest = inFlight.oldest();
    if (oldest == null) {
      return;
    }
    List<ExportResult> results = exporters.await(oldest.results, oldest.deadline);
    if (!inFlight.removeOldest(oldest)) {
      return; // the close gave up on it and counted it
    }
    List<HealthEvent> health = streak.account(oldest.events, results);
    // Report before marking the batch done, so a flush that waited for this batch also covers
    // the health events it caused.
    reporter.report(health);
    queue.markDone(oldest.events.size());
  }
}
