package io.elspeth.telemetry.manager;

import io.elspeth.telemetry.event.HealthEvent;
import io.elspeth.telemetry.event.TelemetryEvent;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A manager's counters (events emitted, dropped, discarded at shutdown; failures per exporter; the
 * streak of total failures; whether telemetry disabled itself) and the health events that report
 * them: drops at the first one and then every {@link #REPORT_INTERVAL}, snapshots, the closing
 * summary.
 *
 * <p>Guarded by the manager's lock (see {@link EventQueue}); every method takes it.
 */
final class HealthAccounting {
  /** Drops and failures are reported at the first one and then every this many. */
  static final int REPORT_INTERVAL = 100;

  private final ReentrantLock lock;
  private final String runId;
  private final EventQueue queue;

  // Guarded by lock.
  private long emitted;
  private long dropped;
  private long reportedDrops;
  private long discardedAtShutdown;
  private int consecutiveTotalFailures;
  private final Map<String, Long> exporterFailures = new LinkedHashMap<>();

  /** Read without the lock by producers' fast paths. */
  private volatile boolean disabled;

  HealthAccounting(
      ReentrantLock lock, String runId, EventQueue queue, Collection<String> exporterNames) {
    this.lock = lock;
    this.runId = runId;
    this.queue = queue;
    for (String name : exporterNames) {
      exporterFailures.put(name, 0L);
    }
  }

  String runId() {
    return runId;
  }

  /** Whether the failure streak disabled telemetry. */
  boolean disabled() {
    return disabled;
  }

  /** Marks telemetry disabled; false if it already was. */
  boolean disable() {
    lock.lock();
    try {
      boolean was = disabled;
      disabled = true;
      return !was;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Counts {@code n} events dropped for {@code reason}, adding the report it is due to {@code
   * health}.
   */
  void countDrop(String reason, long n, List<HealthEvent> health) {
    lock.lock();
    try {
      dropped += n;
      if (reportedDrops == 0 || dropped - reportedDrops >= REPORT_INTERVAL) {
        health.add(
            new HealthEvent.EventsDropped(
                Instant.now(), runId, reason, dropped - reportedDrops, dropped));
        reportedDrops = dropped;
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Counts {@code n} events dropped whose loss another health event reports (a total failure, a
   * disable, a skipped batch): no {@code EventsDropped} of their own.
   */
  void countReportedDrop(long n) {
    lock.lock();
    try {
      dropped += n;
      reportedDrops = dropped;
    } finally {
      lock.unlock();
    }
  }

  /** Counts the events of {@code events} that are not health events as reported drops. */
  void countReportedDrop(Collection<? extends TelemetryEvent> events) {
    countReportedDrop(events.stream().filter(e -> !(e instanceof HealthEvent)).count());
  }

  void countDiscardedAtShutdown(long n) {
    lock.lock();
    try {
      discardedAtShutdown += n;
    } finally {
      lock.unlock();
    }
  }

  /** Counts a batch at least one exporter delivered; it ends a streak of total failures. */
  void countDelivered(int events) {
    lock.lock();
    try {
      emitted += events;
      consecutiveTotalFailures = 0;
    } finally {
      lock.unlock();
    }
  }

  /** Counts one failed export by {@code exporter}; its failures so far. */
  long countExporterFailure(String exporter) {
    lock.lock();
    try {
      return exporterFailures.merge(exporter, 1L, Long::sum);
    } finally {
      lock.unlock();
    }
  }

  /** Counts a batch every exporter failed (its events dropped); the streak so far. */
  int countTotalFailure(int events) {
    lock.lock();
    try {
      consecutiveTotalFailures++;
      dropped += events;
      return consecutiveTotalFailures;
    } finally {
      lock.unlock();
    }
  }

  long dropped() {
    lock.lock();
    try {
      return dropped;
    } finally {
      lock.unlock();
    }
  }

  /** The {@code EventsDropped} summary of drops not reported yet, if any, for the close. */
  void addUnreportedDrops(List<HealthEvent> health) {
    lock.lock();
    try {
      if (dropped > reportedDrops) {
        health.add(
            new HealthEvent.EventsDropped(
                Instant.now(), runId, "summary", dropped - reportedDrops, dropped));
        reportedDrops = dropped;
      }
    } finally {
      lock.unlock();
    }
  }

  HealthEvent.HealthSnapshot snapshot(boolean last) {
    lock.lock();
    try {
      return new HealthEvent.HealthSnapshot(
          Instant.now(),
          runId,
          emitted,
          dropped,
          discardedAtShutdown,
          exporterFailures,
          consecutiveTotalFailures,
          queue.size(),
          queue.capacity(),
          queue.producerWaitMillis(),
          disabled,
          last);
    } finally {
      lock.unlock();
    }
  }

  HealthMetrics metrics() {
    lock.lock();
    try {
      return new HealthMetrics(
          emitted,
          dropped,
          discardedAtShutdown,
          exporterFailures,
          consecutiveTotalFailures,
          queue.size(),
          queue.capacity(),
          queue.producerWaitMillis(),
          disabled);
    } finally {
      lock.unlock();
    }
  }
}
