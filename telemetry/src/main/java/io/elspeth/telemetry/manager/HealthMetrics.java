package io.elspeth.telemetry.manager;

import java.util.Map;

/**
 * A snapshot of a manager's counters. {@code eventsEmitted}: events at least one exporter
 * delivered; {@code eventsDropped}: events lost to queue overflow, a timed-out blocking put, a
 * batch every exporter failed, or disabling; {@code discardedAtShutdown}: events handed over during
 * or after close, or still queued when the export thread had to be abandoned; {@code
 * producerWaitMillis}: how long the pipeline's threads waited, in block mode, for room in the queue
 * (zero when telemetry kept up: it never held a row up).
 */
public record HealthMetrics(
    long eventsEmitted,
    long eventsDropped,
    long discardedAtShutdown,
    Map<String, Long> exporterFailures,
    int consecutiveTotalFailures,
    int queueDepth,
    int queueCapacity,
    long producerWaitMillis,
    boolean disabled) {
  public HealthMetrics {
    exporterFailures = Map.copyOf(exporterFailures);
  }
}
