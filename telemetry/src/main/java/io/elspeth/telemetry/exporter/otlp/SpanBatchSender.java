package io.elspeth.telemetry.exporter.otlp;

import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.exporter.ExportResult;
import io.elspeth.telemetry.exporter.TelemetryExporter;
import io.elspeth.telemetry.exporter.UnfinishedExports;
import io.elspeth.telemetry.span.OtlpTraceEncoder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Sends events as spans over OTLP: encoded by {@link OtlpTraceEncoder} into requests of at most
 * {@code batchSize} spans and {@code maxRequestBytes} bytes, a batch's requests one after another
 * through an {@link OtlpTransport}, whose answers become one {@link ExportResult} (a failed or
 * timed-out request fails the batch, never ignored). The transport answers asynchronously, so
 * {@link #export} returns before the backend does and the manager can keep several batches in
 * flight. The exporter built by the {@code otlp} and {@code datadog} settings.
 */
public final class SpanBatchSender implements TelemetryExporter {
  /**
   * Spans per request unless {@code batch_size} says otherwise: the manager's largest batch, so one
   * batch is one request. ELSPETH used 100; at 100 a request's fixed cost (HTTP exchange, set-up,
   * response handling) took about a third of the exporter's CPU per span, and at the SDK's 512 the
   * receiving collector still spent about a third of its CPU on per-request work. {@link
   * #DEFAULT_MAX_REQUEST_BYTES} keeps requests of large spans under collector limits.
   */
  public static final int DEFAULT_BATCH_SIZE = 2048;

  /**
   * Bytes a request may take at most unless {@code max_request_bytes} says otherwise: 3.5 MiB,
   * under the 4 MiB that the OpenTelemetry Collector and gRPC servers accept by default.
   */
  public static final int DEFAULT_MAX_REQUEST_BYTES = 3_670_016;

  private final String name;
  private final OtlpTransport transport;
  private final OtlpTraceEncoder encoder;
  private final int batchSize;
  private final long maxRequestBytes;
  private final Duration timeout;
  private final UnfinishedExports unfinished = new UnfinishedExports();

  /** Set by the first shutdown; its answer is given again to later calls. */
  private @Nullable CompletableFuture<ExportResult> shutdown; // guarded by this

  SpanBatchSender(
      String name,
      OtlpTransport transport,
      OtlpTraceEncoder encoder,
      int batchSize,
      long maxRequestBytes,
      Duration timeout) {
    this.name = name;
    this.transport = transport;
    this.encoder = encoder;
    this.batchSize = batchSize;
    this.maxRequestBytes = maxRequestBytes;
    this.timeout = timeout;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public CompletableFuture<ExportResult> export(List<TelemetryEvent> batch) {
    synchronized (this) {
      if (shutdown != null) {
        return CompletableFuture.completedFuture(
            ExportResult.failure(name + ": the exporter is shut down"));
      }
    }
    List<byte[]> requests;
    try {
      requests = encoder.requests(batch, batchSize, maxRequestBytes);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(ExportResult.failure(e));
    }
    CompletableFuture<ExportResult> outcome = new CompletableFuture<>();
    sendFrom(requests, 0, outcome);
    // The senders time their requests out themselves; this bounds one that never answers.
    return unfinished.track(
        outcome.completeOnTimeout(
            ExportResult.failure("export timed out after " + timeout.toMillis() + " ms"),
            timeout.toMillis() * Math.max(1, requests.size()) + 1000,
            TimeUnit.MILLISECONDS));
  }

  /** Completes once every batch handed over so far has been answered (or timed out). */
  @Override
  public CompletableFuture<ExportResult> flush() {
    return unfinished.flush();
  }

  /** Sends request {@code next}, then (when it succeeded) the one after: a batch's in order. */
  private void sendFrom(List<byte[]> requests, int next, CompletableFuture<ExportResult> outcome) {
    if (next >= requests.size() || outcome.isDone()) {
      outcome.complete(ExportResult.SUCCESS);
      return;
    }
    transport
        .send(requests.get(next))
        .thenAccept(
            result -> {
              if (result.success()) {
                sendFrom(requests, next + 1, outcome);
              } else {
                outcome.complete(result);
              }
            });
  }

  /**
   * Stops taking batches, waits (up to the request timeout) for the answers still out, then shuts
   * the transport and its request threads down.
   */
  @Override
  public CompletableFuture<ExportResult> shutdown() {
    CompletableFuture<ExportResult> answer;
    synchronized (this) {
      if (shutdown != null) {
        return shutdown;
      }
      answer = new CompletableFuture<>();
      shutdown = answer;
    }
    // Outside the lock: the answers being waited for may need it (export checks it).
    ExportResult flushed =
        unfinished
            .flush()
            .completeOnTimeout(
                ExportResult.failure(
                    name + ": answers still out after " + timeout.toMillis() + " ms"),
                timeout.toMillis(),
                TimeUnit.MILLISECONDS)
            .join();
    transport.close(timeout);
    answer.complete(flushed);
    return answer;
  }
}
