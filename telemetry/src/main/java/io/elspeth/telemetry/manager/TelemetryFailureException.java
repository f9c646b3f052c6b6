package io.elspeth.telemetry.manager;

/**
 * Every exporter failed {@code max_consecutive_failures} batches in a row while {@code
 * fail_on_total_exporter_failure} is true. Raised from {@link TelemetryManager#flush}, so the
 * caller decides whether it may surface (never over a run error).
 */
public final class TelemetryFailureException extends RuntimeException {
  public TelemetryFailureException(String message) {
    super(message);
  }
}
