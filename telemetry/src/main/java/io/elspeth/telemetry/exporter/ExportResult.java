package io.elspeth.telemetry.exporter;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Outcome of one {@link TelemetryExporter#export} call. {@code error} says what failed (an error
 * class and a short message, never a secret) when {@code success} is false.
 */
public record ExportResult(boolean success, @Nullable String error) {
  public static final ExportResult SUCCESS = new ExportResult(true, null);

  public static ExportResult failure(String error) {
    return new ExportResult(false, error);
  }

  /** A failure described by the exception's class and message. */
  public static ExportResult failure(Throwable t) {
    return failure(
        t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage()));
  }
}
