package io.elspeth.telemetry.exporter.otlp;

import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.exporter.ExportResult;
import io.elspeth.telemetry.exporter.TelemetryExporter;
import io.elspeth.telemetry.span.EventSpans;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends events as spans through an OpenTelemetry SDK {@link SpanExporter} in requests of at most
 * {@code batchSize} spans and {@code maxRequestBytes} (an upper bound of their encoded size,
 * {@link EventSpans#sizeBound}), a batch's requests one after another, and turns the SDK's results into one
 * {@link ExportResult} (a failed or timed-out chunk fails the batch, never ignored). The SDK exporter
 * answers asynchronously, so {@link #exportAsync} returns before the backend does and the
 * manager can keep several batches in flight. The exporter built by the {@code otlp} and
 * {@code datadog} settings.
 */
public final class SpanBatchSender implements TelemetryExporter {
  /**
   * Spans per request unless {@code batch_size} says otherwise: the manager's largest batch, so
   * one batch is one request. ELSPETH used 100; at 100 a request's fixed cost (HTTP exchange,
   * marshaler set-up, response handling) took about a third of the exporter's CPU per span, and
   * at the SDK's 512 the receiving collector still spent about a third of its CPU on per-request
   * work. {@link #DEFAULT_MAX_REQUEST_BYTES} keeps requests of large spans under collector limits.
   */
  public static final int DEFAULT_BATCH_SIZE = 2048;
  /**
   * Bytes a request may take at most unless {@code max_request_bytes} says otherwise, by the
   * spans' size bound (which overstates ASCII text threefold): 3.5 MiB, under the 4 MiB that the
   * OpenTelemetry Collector and gRPC servers accept by default.
   */
  public static final int DEFAULT_MAX_REQUEST_BYTES = 3_670_016;
  private final String name;
  private final SpanExporter exporter;
  private final Resource resource;
  private final EventSpans.Style style;
  private final Map<String, String> extraAttributes;
  private final int batchSize;
  private final long maxRequestBytes;
  private final Duration timeout;
  private boolean closed;

  public SpanBatchSender(String name, SpanExporter exporter, Resource resource, EventSpans.Style style,
      Map<String, String> extraAttributes, int batchSize, long maxRequestBytes, Duration timeout) {
    this.name = name;
    this.exporter = exporter;
    this.resource = resource;
    this.style = style;
    this.extraAttributes = Map.copyOf(extraAttributes);
    this.batchSize = batchSize;
    this.maxRequestBytes = maxRequestBytes;
    this.timeout = timeout;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public ExportResult export(List<TelemetryEvent> batch) {
    return exportAsync(batch).join();
  }

  @Override
  public CompletableFuture<ExportResult> exportAsync(List<TelemetryEvent> batch) {
    List<SpanData> spans = EventSpans.toSpans(batch, resource, style, extraAttributes);
    List<List<SpanData>> requests = requests(spans, batchSize, maxRequestBytes);
    CompletableFuture<ExportResult> outcome = new CompletableFuture<>();
    sendFrom(requests, 0, outcome);
    // The SDK times its requests out itself; this bounds a sender that never answers.
    return outcome.completeOnTimeout(ExportResult.failure("export timed out after "
        + timeout.toMillis() + " ms"), timeout.toMillis() * Math.max(1, requests.size()) + 1000,
        TimeUnit.MILLISECONDS);
  }

  /**
   * The spans cut into requests, in order, of at most {@code maxSpans} spans and
   * {@code maxBytes} by their size bound; a span bounded above {@code maxBytes} goes alone.
   */
  static List<List<SpanData>> requests(List<SpanData> spans, int maxSpans, long maxBytes) {
    List<List<SpanData>> requests = new java.util.ArrayList<>();
    int from = 0;
    long bytes = 0;
    for (int i = 0; i < spans.size(); i++) {
      long bound = EventSpans.sizeBound(spans.get(i));
      if (i > from && (i - from == maxSpans || bytes + bound > maxBytes)) {
        requests.add(spans.subList(from, i));
        from = i;
        bytes = 0;
      }
      bytes += bound;
    }
    if (from < spans.size()) {
      requests.add(spans.subList(from, spans.size()));
    }
    return requests;
  }

  /** Sends request {@code next}, then (when it succeeded) the one after: a batch's in order. */
  private void sendFrom(List<List<SpanData>> requests, int next,
      CompletableFuture<ExportResult> outcome) {
    if (next >= requests.size() || outcome.isDone()) {
      outcome.complete(ExportResult.SUCCESS);
      return;
    }
    CompletableResultCode code;
    try {
      code = exporter.export(requests.get(next));
    } catch (RuntimeException e) {
      outcome.complete(ExportResult.failure(e));
      return;
    }
    code.whenComplete(() -> {
      if (code.isSuccess()) {
        sendFrom(requests, next + 1, outcome);
      } else {
        outcome.complete(result(code));
      }
    });
  }

  private static ExportResult result(CompletableResultCode failed) {
    Throwable t = failed.getFailureThrowable();
    return t == null ? ExportResult.failure("the backend rejected the export")
        : ExportResult.failure(t);
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      exporter.shutdown().join(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
