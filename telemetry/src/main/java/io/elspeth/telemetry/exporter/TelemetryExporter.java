package io.elspeth.telemetry.exporter;

import io.elspeth.telemetry.event.TelemetryEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A telemetry backend. The manager calls {@link #exportAsync} from its single export thread
 * only, in FIFO order, with batches of events; it may hand over the next batch before the
 * previous one's result is in (up to its in-flight bound). A failure is reported as a value
 * (never swallowed), so the manager's failure counters mean what they say. {@link #close} is
 * idempotent.
 */
public interface TelemetryExporter {
  /** The name used in settings ({@code telemetry.exporters[].name}). */
  String name();

  /**
   * Delivers the batch synchronously: when it returns, the batch has been delivered or has
   * failed. Must not throw for backend problems (report them in the result).
   */
  ExportResult export(List<TelemetryEvent> batch);

  /**
   * Starts delivering the batch and returns its outcome to come; an exporter whose backend takes
   * several requests at once overrides this to return before the answer. The default delivers
   * synchronously. Must not throw for backend problems (complete with a failure instead).
   */
  default CompletableFuture<ExportResult> exportAsync(List<TelemetryEvent> batch) {
    return CompletableFuture.completedFuture(export(batch));
  }

  /** Releases resources; safe to call more than once. */
  void close();
}
