package io.elspeth.telemetry.event;

import io.elspeth.telemetry.config.Granularity;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The telemetry subsystem's report on itself. Health events are emitted at every granularity,
 * always written to the last-resort channel (which cannot fail the run) and also handed to the
 * exporters that still work. They carry counts, exporter names and error classes, never a payload
 * or a secret.
 */
public sealed interface HealthEvent extends TelemetryEvent
    permits HealthEvent.ExporterFailed,
        HealthEvent.AllExportersFailing,
        HealthEvent.TelemetryDisabled,
        HealthEvent.EventsDropped,
        HealthEvent.HealthSnapshot {

  @Override
  default Granularity minimumGranularity() {
    return Granularity.LIFECYCLE;
  }

  /** An exporter could not deliver a batch; {@code failures} counts its failures so far. */
  record ExporterFailed(
      Instant timestamp,
      String runId,
      String exporter,
      long failures,
      int eventsInBatch,
      String error)
      implements HealthEvent {
    @Override
    public Map<String, @Nullable Object> fields() {
      return TelemetryEvent.Fields.of(
          "exporter",
          exporter,
          "failures",
          failures,
          "events_in_batch",
          eventsInBatch,
          "error",
          error);
    }
  }

  /** Every exporter failed the same batch; its events are lost (counted in events_dropped). */
  record AllExportersFailing(
      Instant timestamp, String runId, int consecutiveFailures, long eventsDropped)
      implements HealthEvent {
    @Override
    public Map<String, @Nullable Object> fields() {
      return TelemetryEvent.Fields.of(
          "consecutive_failures", consecutiveFailures, "events_dropped", eventsDropped);
    }
  }

  /**
   * Telemetry switched itself off for the rest of the run (fail_on_total_exporter_failure false).
   */
  record TelemetryDisabled(
      Instant timestamp, String runId, String reason, int consecutiveFailures, long eventsDropped)
      implements HealthEvent {
    @Override
    public Map<String, @Nullable Object> fields() {
      return TelemetryEvent.Fields.of(
          "reason",
          reason,
          "consecutive_failures",
          consecutiveFailures,
          "events_dropped",
          eventsDropped);
    }
  }

  /** Events were lost: queue overflow (drop), a timed-out put (block), or shutdown. */
  record EventsDropped(
      Instant timestamp,
      String runId,
      String reason,
      long droppedSinceLastReport,
      long droppedTotal)
      implements HealthEvent {
    @Override
    public Map<String, @Nullable Object> fields() {
      return TelemetryEvent.Fields.of(
          "reason",
          reason,
          "dropped_since_last_report",
          droppedSinceLastReport,
          "dropped_total",
          droppedTotal);
    }
  }

  /** The manager's counters, periodically and once at close ({@code last} true). */
  record HealthSnapshot(
      Instant timestamp,
      String runId,
      long eventsEmitted,
      long eventsDropped,
      long discardedAtShutdown,
      Map<String, Long> exporterFailures,
      int consecutiveTotalFailures,
      int queueDepth,
      int queueCapacity,
      long producerWaitMs,
      boolean disabled,
      boolean last)
      implements HealthEvent {
    public HealthSnapshot {
      exporterFailures = Map.copyOf(exporterFailures);
    }

    @Override
    public Map<String, @Nullable Object> fields() {
      return TelemetryEvent.Fields.of(
          "events_emitted",
          eventsEmitted,
          "events_dropped",
          eventsDropped,
          "discarded_at_shutdown",
          discardedAtShutdown,
          "exporter_failures",
          new TreeMap<>(exporterFailures),
          "consecutive_total_failures",
          consecutiveTotalFailures,
          "queue_depth",
          queueDepth,
          "queue_capacity",
          queueCapacity,
          "producer_wait_ms",
          producerWaitMs,
          "disabled",
          disabled,
          "last",
          last);
    }
  }
}
