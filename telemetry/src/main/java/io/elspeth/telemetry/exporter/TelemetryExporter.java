package io.elspeth.telemetry.exporter;

import io.elspeth.telemetry.event.TelemetryEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A telemetry backend, shaped like the OpenTelemetry SDK's {@code SpanExporter}: {@link #export},
 * {@link #flush}, {@link #shutdown}, each answering with a result to come rather than throwing. The
 * manager calls {@link #export} from its single export thread only, in FIFO order, with batches of
 * events; it may hand over the next batch before the previous one's result is in (up to its
 * in-flight bound). A failure is reported as a value (never swallowed), so the manager's failure
 * counters mean what they say. {@link UnfinishedExports} keeps the exports an asynchronous exporter
 * has started, for its {@link #flush}.
 */
public interface TelemetryExporter {
  /** The name used in settings ({@code telemetry.exporters[].name}). */
  String name();

  /**
   * Starts delivering the batch and returns its outcome to come: an exporter whose backend takes
   * several requests at once returns before the answer, a synchronous one returns it completed.
   * Must not throw for backend problems (complete with a failure instead). After {@link #shutdown}
   * it answers with a failure and sends nothing.
   */
  CompletableFuture<ExportResult> export(List<TelemetryEvent> batch);

  /**
   * Completes once every batch handed to {@link #export} before this call has been delivered or has
   * failed (written out, answered by the backend): a failure when any of them failed. An exporter
   * that buffers nothing answers at once.
   */
  CompletableFuture<ExportResult> flush();

  /**
   * Flushes, then releases what the exporter holds (threads, connections); later exports fail.
   * Idempotent: a second call answers as the first. The result is the flush's.
   */
  CompletableFuture<ExportResult> shutdown();
}
